// vkllm tokenize -m DIR (--text T | --file F) [--no-special] [--json]: the ids
// transformers' tokenizer.encode gives for a text.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/base/error.h"
#include "engine/base/paths.h"
#include "loaders/tokenizer/tokenizer.h"
#include "tools/command.h"

namespace {

struct TokenizeArgs {
  std::string model_dir;
  std::string text;
  std::string file;
  bool no_special = false;
  bool json = false;
};

vkllm::cli::Registration reg{
    {"tokenize", "Encode text with a model folder's tokenizer.json and print the token ids",
     [](CLI::App& sub) {
       auto args = std::make_shared<TokenizeArgs>();
       sub.add_option("-m,--model", args->model_dir, "folder with tokenizer.json")->required();
       auto* text = sub.add_option("--text", args->text, "text to encode");
       auto* file = sub.add_option("--file", args->file, "file whose bytes are encoded");
       text->excludes(file);
       sub.add_flag("--no-special", args->no_special,
                    "do not add BOS/EOS (add_special_tokens=False)");
       sub.add_flag("--json", args->json, "print {\"ids\": [...]}");
       return [args, text, file]() -> int {
         if (!*text && !*file) vkllm::fail("tokenize: give --text or --file");
         std::string input = args->text;
         if (*file) input = vkllm::read_file(args->file, "tokenize: --file");
         const auto tok = vkllm::tok::Tokenizer::load(args->model_dir);
         const auto ids = tok.encode(input, !args->no_special);
         std::string out;
         if (args->json) {
           out = nlohmann::json{{"ids", ids}}.dump() + "\n";
         } else {
           for (std::size_t i = 0; i < ids.size(); ++i)
             out += (i ? " " : "") + std::to_string(ids[i]);
           out += "\n";
         }
         std::fwrite(out.data(), 1, out.size(), stdout);
         return 0;
       };
     }}};

}  // namespace
