// vkllm detokenize -m DIR --ids 1 2 3 [--skip-special]: the text transformers'
// tokenizer.decode gives for token ids.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/error.h"
#include "loaders/tokenizer/tokenizer.h"
#include "tools/command.h"

namespace {

struct DetokenizeArgs {
  std::string model_dir;
  std::vector<std::int32_t> ids;
  bool skip_special = false;
};

vkllm::cli::Registration reg{
    {"detokenize", "Decode token ids with a model folder's tokenizer.json and print the text",
     [](CLI::App& sub) {
       auto args = std::make_shared<DetokenizeArgs>();
       sub.add_option("-m,--model", args->model_dir, "folder with tokenizer.json")->required();
       sub.add_option("--ids", args->ids, "token ids (space or comma separated)")
           ->required()
           ->delimiter(',');
       sub.add_flag("--skip-special", args->skip_special, "leave out special tokens");
       return [args]() -> int {
         const auto tok = vkllm::tok::Tokenizer::load(args->model_dir);
         for (auto id : args->ids)
           if (!tok.id_to_token(id))
             vkllm::fail("detokenize: id {} is not in the vocabulary of {} ({} ids)", id,
                         args->model_dir, tok.vocab_size());
         const std::string out = tok.decode(args->ids, args->skip_special) + "\n";
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       };
     }}};

}  // namespace
