#include "loaders/tokenizer/transformers_compat.h"

namespace vkllm::tok {
namespace {

// LlamaTokenizer (Llama 2, Mistral, Phi-3 ...): no normalizer, a Metaspace
// pre-tokenizer whose prepend scheme follows legacy/add_prefix_space, and the
// SentencePiece decoder; whatever tokenizer.json says for those stages.
void llama(Pipeline& p, const TokenizerConfig& c) {
  const bool add_prefix_space = c.add_prefix_space.value_or(true);
  const bool legacy = c.legacy.value_or(true);
  const PrependScheme scheme = !add_prefix_space ? PrependScheme::kNever
                               : legacy          ? PrependScheme::kAlways
                                                 : PrependScheme::kFirst;
  p.normalizer.reset();
  p.pre_tokenizer = make_metaspace("\u2581", scheme, false);
  std::vector<std::unique_ptr<Decoder>> steps;
  steps.push_back(make_replace_decoder("\u2581", " "));
  steps.push_back(make_byte_fallback_decoder());
  steps.push_back(make_fuse_decoder());
  if (add_prefix_space) steps.push_back(make_strip_decoder(" ", 1, 0));
  p.decoder = make_sequence_decoder(std::move(steps));
}

}  // namespace

void apply_transformers_class(Pipeline& p, const TokenizerConfig& c) {
  const std::string& cls = c.tokenizer_class;
  const bool is_llama = cls == "LlamaTokenizer" || cls == "LlamaTokenizerFast";
  if (is_llama) llama(p, c);

  // BOS/EOS from add_bos_token/add_eos_token replace the file's template
  // (LlamaTokenizer adds BOS unless told otherwise).
  std::optional<bool> add_bos = c.add_bos_token, add_eos = c.add_eos_token;
  if (is_llama && !add_bos) add_bos = true;
  if (!add_bos && !add_eos) return;
  SpecialTemplate t;
  auto id_of = [&](const std::optional<std::string>& tok) -> std::optional<TokenId> {
    if (!tok) return std::nullopt;
    if (auto id = p.added.find(*tok)) return id;
    return p.model->token_to_id(*tok);
  };
  if (add_bos.value_or(false))
    if (auto id = id_of(c.bos_token)) t.prefix.push_back(*id);
  if (add_eos.value_or(false))
    if (auto id = id_of(c.eos_token)) t.suffix.push_back(*id);
  p.post_processor = std::move(t);
}

}  // namespace vkllm::tok
