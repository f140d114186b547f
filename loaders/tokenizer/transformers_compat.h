// transformers 5 does not run every tokenizer.json as written: some tokenizer
// classes (named by tokenizer_config.json's tokenizer_class) rebuild parts of
// the pipeline in code. This applies those rebuilds so ids match transformers.
#pragma once

#include "loaders/tokenizer/tokenizer.h"

namespace vkllm::tok {

void apply_transformers_class(Pipeline& pipeline, const TokenizerConfig& config);

}  // namespace vkllm::tok
