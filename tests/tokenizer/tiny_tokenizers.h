// Small tokenizer.json documents the unit tests build in memory.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "loaders/tokenizer/tokenizer.h"

namespace vkllm::tok::test {

using nlohmann::json;

// SentencePiece-style: "▁" words, byte fallback for everything else.
inline nlohmann::json sentencepiece_json() {
  nlohmann::json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  int id = 3;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = id++;
  }
  for (const char* t :
       {"\u2581", "h", "e", "l", "o", "w", "r", "d", "\u2581h", "\u2581he", "ll", "\u2581hell",
        "\u2581hello", "\u2581w", "or", "\u2581wor", "\u2581worl", "\u2581world"})
    vocab[t] = id++;
  return {{"version", "1.0"},
          {"added_tokens",
           {{{"id", 0}, {"content", "<unk>"}, {"special", true}, {"normalized", false}},
            {{"id", 1}, {"content", "<s>"}, {"special", true}, {"normalized", false}},
            {{"id", 2}, {"content", "</s>"}, {"special", true}, {"normalized", false}}}},
          {"normalizer",
           {{"type", "Sequence"},
            {"normalizers",
             {{{"type", "Prepend"}, {"prepend", "\u2581"}},
              {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}}}}},
          {"pre_tokenizer", nullptr},
          {"post_processor",
           {{"type", "TemplateProcessing"},
            {"single",
             {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
            {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
          {"decoder",
           {{"type", "Sequence"},
            {"decoders",
             {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
              {{"type", "ByteFallback"}},
              {{"type", "Fuse"}},
              {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
          {"model",
           {{"type", "BPE"},
            {"unk_token", "<unk>"},
            {"fuse_unk", true},
            {"byte_fallback", true},
            {"vocab", vocab},
            {"merges",
             {"\u2581 h", "\u2581h e", "l l", "\u2581he ll", "\u2581hell o", "\u2581 w", "o r",
              "\u2581w or", "\u2581wor l", "\u2581worl d"}}}}};
}

// GPT-2 style byte-level BPE over a handful of tokens.
inline nlohmann::json byte_level_json() {
  nlohmann::json vocab;
  int id = 0;
  for (const char* t :
       {"a", "b", "c", "\u0120", "\u0120a", "ab", "abc", "\u0120ab", "!", "<|end|>"})
    vocab[t] = id++;
  return {
      {"added_tokens",
       {{{"id", 9}, {"content", "<|end|>"}, {"special", true}, {"normalized", false}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor", {{"type", "ByteLevel"}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"vocab", vocab},
        {"merges", json::array({json::array({"a", "b"}), json::array({"\u0120", "a"}),
                                json::array({"ab", "c"}), json::array({"\u0120", "ab"})})}}}};
}

inline Tokenizer make(const nlohmann::json& j, TokenizerConfig cfg = {}) {
  return Tokenizer::from_json(j, std::move(cfg), "tokenizer.json");
}

}  // namespace vkllm::tok::test
