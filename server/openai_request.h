// The bodies of POST /v1/completions and /v1/chat/completions, read as the OpenAI
// API defines them (plus vLLM's top_k, min_p, repetition_penalty, ignore_eos,
// stop_token_ids and chat_template_kwargs): checked field by field, turned into
// prompt ids and generation options. Unknown fields are ignored, as OpenAI does;
// a field of the wrong type or out of range is a 400 that names it.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/runtime/generator.h"
#include "loaders/chat/chat_template.h"
#include "loaders/tokenizer/tokenizer.h"
#include "server/tool_calls.h"

namespace vkllm::server {

// An error as the API reports it: {"error": {"message", "type", "param", "code"}}.
struct ApiError : std::runtime_error {
  ApiError(int status, std::string message, std::string type = "invalid_request_error",
           std::string param = {}, std::string code = {})
      : std::runtime_error(message),
        status(status),
        type(std::move(type)),
        param(std::move(param)),
        code(std::move(code)) {}
  int status;
  std::string type, param, code;
  nlohmann::json body() const;
};

// What the server knows of the model it serves.
struct ServedModel {
  std::string name;  // --served-model-name, else the folder's name
  const tok::Tokenizer* tokenizer = nullptr;
  const chat::ChatTemplate* chat_template = nullptr;  // null: the folder has none
  runtime::SamplingParams sampling;                   // generation_config.json's defaults
  std::vector<uint32_t> eos_ids;
  uint32_t ctx = 0;  // tokens per sequence
  uint32_t vocab = 0;
  // How tool calls are read out of a chat reply when the request passes tools.
  ToolParser tool_parser = ToolParser::None;
  // What the chat template's strftime_now() sees (tests fix it); unset: the clock.
  std::optional<std::chrono::system_clock::time_point> now;
};

struct ApiRequest {
  bool chat = false;
  std::string model;
  std::vector<uint32_t> prompt;
  runtime::GenerateOptions options;
  bool stream = false, include_usage = false;
  // Completions: logprobs N (-1: none). Chat: logprobs true gives top_logprobs N (0..20).
  int top_logprobs = -1;
  // Chat with tools (and tool_choice other than "none"): the reply's tool calls are
  // parsed out (ServedModel::tool_parser).
  bool tool_calls = false;
};

// Throws ApiError. `body`: the parsed JSON (the caller reports unparsable text).
ApiRequest parse_completion(const nlohmann::json& body, const ServedModel& m);
ApiRequest parse_chat(const nlohmann::json& body, const ServedModel& m);

}  // namespace vkllm::server
