#include "server/openai_request.h"

#include <fmt/format.h>

#include <random>

#include "engine/base/error.h"

namespace vkllm::server {

using nlohmann::json;

json ApiError::body() const {
  return {{"error",
           {{"message", what()},
            {"type", type},
            {"param", param.empty() ? json(nullptr) : json(param)},
            {"code", code.empty() ? json(nullptr) : json(code)}}}};
}

namespace {

ApiError bad(const std::string& param, const std::string& message) {
  return ApiError(400, message, "invalid_request_error", param);
}

// A field, or nullptr when absent or null (OpenAI treats null as "not given").
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

std::optional<double> number(const json& body, const char* name, double lo, double hi) {
  const json* f = field(body, name);
  if (!f) return std::nullopt;
  if (!f->is_number()) throw bad(name, fmt::format("'{}' must be a number", name));
  const double v = f->get<double>();
  if (!(v >= lo && v <= hi))
    throw bad(name, fmt::format("'{}' must be between {} and {}, got {}", name, lo, hi, v));
  return v;
}

std::optional<int64_t> integer(const json& body, const char* name, int64_t lo, int64_t hi) {
  const json* f = field(body, name);
  if (!f) return std::nullopt;
  if (!f->is_number_integer()) throw bad(name, fmt::format("'{}' must be an integer", name));
  const int64_t v = f->get<int64_t>();
  if (v < lo || v > hi)
    throw bad(name, fmt::format("'{}' must be between {} and {}, got {}", name, lo, hi, v));
  return v;
}

bool boolean(const json& body, const char* name, bool fallback) {
  const json* f = field(body, name);
  if (!f) return fallback;
  if (!f->is_boolean()) throw bad(name, fmt::format("'{}' must be true or false", name));
  return f->get<bool>();
}

// The fields both endpoints share: model, sampling, stop, seed, n, stream.
ApiRequest common(const json& body, const ServedModel& m, bool chat) {
  if (!body.is_object()) throw bad("", "the request body must be a JSON object");
  ApiRequest r;
  r.chat = chat;
  if (const json* f = field(body, "model")) {
    if (!f->is_string()) throw bad("model", "'model' must be a string");
    r.model = f->get<std::string>();
    if (r.model != m.name)
      throw ApiError(
          404,
          fmt::format("The model '{}' does not exist; this server serves '{}'", r.model, m.name),
          "invalid_request_error", "model", "model_not_found");
  }
  if (integer(body, "n", 1, 1 << 20).value_or(1) != 1)
    throw bad("n", "only n = 1 is supported; send one request per completion");
  if (integer(body, "best_of", 1, 1 << 20).value_or(1) != 1)
    throw bad("best_of", "only best_of = 1 is supported");

  runtime::SamplingParams& s = r.options.sampling;
  s = m.sampling;
  if (auto t = number(body, "temperature", 0, 2)) s.temperature = float(*t);
  if (auto p = number(body, "top_p", 0, 1)) {
    if (*p <= 0) throw bad("top_p", "'top_p' must be above 0");
    s.top_p = float(*p);
  }
  if (auto k = integer(body, "top_k", -1, int64_t(1) << 31)) s.top_k = *k < 0 ? 0 : int32_t(*k);
  if (auto p = number(body, "min_p", 0, 1)) s.min_p = float(*p);
  if (auto p = number(body, "presence_penalty", -2, 2)) s.presence_penalty = float(*p);
  if (auto p = number(body, "frequency_penalty", -2, 2)) s.frequency_penalty = float(*p);
  if (auto p = number(body, "repetition_penalty", 0, 1e9)) {
    if (*p <= 0) throw bad("repetition_penalty", "'repetition_penalty' must be above 0");
    s.repetition_penalty = float(*p);
  }
  if (const json* f = field(body, "seed")) {
    if (!f->is_number_integer()) throw bad("seed", "'seed' must be an integer");
    s.seed = f->is_number_unsigned() ? f->get<uint64_t>() : uint64_t(f->get<int64_t>());
  } else {
    s.seed = std::random_device{}() | (uint64_t(std::random_device{}()) << 32);
  }

  if (const json* f = field(body, "stop")) {
    if (f->is_string()) {
      r.options.stop.push_back(f->get<std::string>());
    } else if (f->is_array()) {
      for (const json& x : *f) {
        if (!x.is_string()) throw bad("stop", "'stop' must be a string or a list of strings");
        r.options.stop.push_back(x.get<std::string>());
      }
    } else {
      throw bad("stop", "'stop' must be a string or a list of strings");
    }
    for (const std::string& x : r.options.stop)
      if (x.empty()) throw bad("stop", "a stop string must not be empty");
  }
  r.options.eos_ids = boolean(body, "ignore_eos", false) ? std::vector<uint32_t>{} : m.eos_ids;
  if (const json* f = field(body, "stop_token_ids")) {
    if (!f->is_array()) throw bad("stop_token_ids", "'stop_token_ids' must be a list of ids");
    for (const json& x : *f) {
      if (!x.is_number_unsigned() || x.get<uint64_t>() >= m.vocab)
        throw bad("stop_token_ids",
                  fmt::format("'stop_token_ids' must hold ids below {}", m.vocab));
      r.options.eos_ids.push_back(x.get<uint32_t>());
    }
  }
  r.options.skip_special_tokens = boolean(body, "skip_special_tokens", true);

  r.stream = boolean(body, "stream", false);
  if (const json* f = field(body, "stream_options")) {
    if (!f->is_object()) throw bad("stream_options", "'stream_options' must be an object");
    if (!r.stream) throw bad("stream_options", "'stream_options' is only allowed with stream");
    r.include_usage = boolean(*f, "include_usage", false);
  }
  if (const json* f = field(body, "user"); f && !f->is_string())
    throw bad("user", "'user' must be a string");
  return r;
}

// max_tokens against the context: the prompt must fit, and so must what was asked for.
void fit_context(ApiRequest& r, const json& body, const ServedModel& m, uint32_t fallback) {
  std::optional<int64_t> max_tokens = integer(body, "max_tokens", 1, int64_t(1) << 31);
  if (auto mct = integer(body, "max_completion_tokens", 1, int64_t(1) << 31)) max_tokens = mct;
  const uint64_t n = r.prompt.size();
  if (n == 0) throw bad(r.chat ? "messages" : "prompt", "the prompt has no tokens");
  if (n > m.ctx)
    throw ApiError(400,
                   fmt::format("This model's maximum context length is {} tokens. However, your "
                               "request has {} input tokens. Please reduce the length of the "
                               "input.",
                               m.ctx, n),
                   "invalid_request_error", r.chat ? "messages" : "prompt",
                   "context_length_exceeded");
  if (max_tokens && n + uint64_t(*max_tokens) > m.ctx)
    throw ApiError(400,
                   fmt::format("This model's maximum context length is {} tokens. However, you "
                               "requested {} tokens ({} in the input, {} for the completion). "
                               "Please reduce the length of the input or of max_tokens.",
                               m.ctx, n + uint64_t(*max_tokens), n, *max_tokens),
                   "invalid_request_error", "max_tokens", "context_length_exceeded");
  r.options.max_new_tokens =
      max_tokens ? uint32_t(*max_tokens) : std::min<uint32_t>(fallback, m.ctx - uint32_t(n));
}

std::vector<uint32_t> encode(const ServedModel& m, const std::string& text, bool special) {
  if (!m.tokenizer)
    throw ApiError(400, "this model folder has no tokenizer.json; send the prompt as token ids",
                   "invalid_request_error", "prompt");
  const auto ids = m.tokenizer->encode(text, special);
  return {ids.begin(), ids.end()};
}

}  // namespace

ApiRequest parse_completion(const json& body, const ServedModel& m) {
  ApiRequest r = common(body, m, false);
  const json* p = field(body, "prompt");
  if (!p) throw bad("prompt", "'prompt' is required");
  auto ids_of = [&](const json& a) {
    std::vector<uint32_t> ids;
    for (const json& x : a) {
      if (!x.is_number_unsigned() || x.get<uint64_t>() >= m.vocab)
        throw bad("prompt", fmt::format("token ids in 'prompt' must be below {}", m.vocab));
      ids.push_back(x.get<uint32_t>());
    }
    return ids;
  };
  if (p->is_string()) {
    r.prompt = encode(m, p->get<std::string>(), true);
  } else if (p->is_array() && !p->empty() && p->front().is_number()) {
    r.prompt = ids_of(*p);
  } else if (p->is_array() && p->size() == 1 && p->front().is_string()) {
    r.prompt = encode(m, p->front().get<std::string>(), true);
  } else if (p->is_array() && p->size() == 1 && p->front().is_array()) {
    r.prompt = ids_of(p->front());
  } else if (p->is_array() && p->size() > 1) {
    throw bad("prompt", "one prompt per request; send several requests for several prompts");
  } else {
    throw bad("prompt",
              "'prompt' must be a string, a list of token ids, or a list of one of those");
  }
  if (boolean(body, "echo", false)) throw bad("echo", "'echo' is not supported");
  if (const json* f = field(body, "suffix"))
    if (!f->is_string() || !f->get<std::string>().empty())
      throw bad("suffix", "'suffix' (fill-in-the-middle) is not supported");
  if (auto n = integer(body, "logprobs", 0, 20)) r.top_logprobs = int(*n);
  fit_context(r, body, m, 16);  // OpenAI's default max_tokens for completions
  return r;
}

ApiRequest parse_chat(const json& body, const ServedModel& m) {
  ApiRequest r = common(body, m, true);
  const json* messages = field(body, "messages");
  if (!messages || !messages->is_array() || messages->empty())
    throw bad("messages", "'messages' must be a non-empty list of messages");
  for (const json& msg : *messages) {
    if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string())
      throw bad("messages", "each message must be an object with a string 'role'");
    if (msg.contains("content") && !msg["content"].is_null() && !msg["content"].is_string() &&
        !msg["content"].is_array())
      throw bad("messages", "a message's 'content' must be a string, a list of parts, or null");
  }
  const json* tools = field(body, "tools");
  if (tools && !tools->is_array()) throw bad("tools", "'tools' must be a list");
  // tool_choice: generation is not constrained ("required" and a named function are
  // read as "auto"); "none" leaves the reply as text.
  std::string choice = "auto";
  if (const json* c = field(body, "tool_choice")) {
    const bool named = c->is_object() && c->value("type", "") == "function" &&
                       c->contains("function") && (*c)["function"].is_object() &&
                       (*c)["function"].contains("name") && (*c)["function"]["name"].is_string();
    if (c->is_string()) choice = c->get<std::string>();
    if (!named && choice != "auto" && choice != "none" && choice != "required")
      throw bad("tool_choice",
                "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": "
                "\"function\", \"function\": {\"name\": ...}}");
  }
  r.tool_calls = tools && !tools->empty() && choice != "none" && m.tool_parser != ToolParser::None;
  const json* kwargs = field(body, "chat_template_kwargs");
  if (kwargs && !kwargs->is_object())
    throw bad("chat_template_kwargs", "'chat_template_kwargs' must be an object");
  if (!m.chat_template)
    throw ApiError(400, "this model folder has no chat template; use /v1/completions",
                   "invalid_request_error", "messages");

  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(messages->dump());
  nlohmann::ordered_json tool_list, extra;
  chat::RenderOptions ro{.now = m.now};
  if (tools) {
    tool_list = nlohmann::ordered_json::parse(tools->dump());
    ro.tools = &tool_list;
  }
  if (kwargs) {
    extra = nlohmann::ordered_json::parse(kwargs->dump());
    ro.extra = &extra;
  }
  std::string text;
  try {
    text = m.chat_template->render(ordered, ro);
  } catch (const Error& e) {  // raise_exception() in the template, or a template error
    throw bad("messages", fmt::format("the chat template refused the messages: {}", e.what()));
  }
  // The template writes the special tokens itself, as apply_chat_template does.
  r.prompt = encode(m, text, false);

  const bool logprobs = boolean(body, "logprobs", false);
  if (auto n = integer(body, "top_logprobs", 0, 20)) {
    if (!logprobs) throw bad("top_logprobs", "'top_logprobs' needs 'logprobs': true");
    r.top_logprobs = int(*n);
  } else if (logprobs) {
    r.top_logprobs = 0;
  }
  fit_context(r, body, m, m.ctx);  // chat: until the context is full unless limited
  return r;
}

}  // namespace vkllm::server
