// Template errors name line and column; runtime errors too; loading reports
// missing or malformed templates with the file and picks among named templates
// as transformers does.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"

namespace vkllm::chat {
namespace {

struct Where {
  int line, col;
  std::string what;
};

Where syntax_error(const std::string& src) {
  try {
    ChatTemplate t(src, {});
    t.render(nlohmann::ordered_json::array());
  } catch (const TemplateError& e) {
    return {e.line(), e.col(), e.what()};
  }
  return {0, 0, "(no error)"};
}

TEST(TemplateErrors, SyntaxErrorsNameLineAndColumn) {
  auto e = syntax_error("line one\n{% if x %}\n  {{ x + }}\n{% endif %}");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.col, 10);
  EXPECT_EQ(e.what, "chat template: line 3, column 10: expected an expression (found '}}')");

  e = syntax_error("{% for m in messages %}\n{{ m }}");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.what.find("unexpected end of template: expected 'else' or 'endfor'"),
            std::string::npos)
      << e.what;

  e = syntax_error("ok\n  {% frobnicate %}");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 6);
  EXPECT_NE(e.what.find("unknown tag 'frobnicate'"), std::string::npos);

  e = syntax_error("{{ 'unterminated }}");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.col, 4);
  EXPECT_NE(e.what.find("unterminated string literal"), std::string::npos);

  e = syntax_error("a\nb {{ x ");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.what.find("unexpected end of template"), std::string::npos);

  e = syntax_error("{% if a %}x{% endfor %}");
  EXPECT_EQ(e.col, 15);
  EXPECT_NE(e.what.find("unknown tag 'endfor'"), std::string::npos);
}

TEST(TemplateErrors, RuntimeErrorsNamePosition) {
  auto e = syntax_error("\n  {{ messages[0].role.upper() }} {{ nothing.attr }}");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.what.find("is undefined"), std::string::npos) << e.what;
  e = syntax_error("{{ 'a' + 1 }}");
  EXPECT_NE(e.what.find("unsupported operand type(s) for +: 'str' and 'int'"), std::string::npos);
  e = syntax_error("{{ 1 | no_such_filter }}");
  EXPECT_NE(e.what.find("line 1, column 6: unknown filter 'no_such_filter'"), std::string::npos)
      << e.what;
}

TEST(TemplateLoading, NamedTemplatesAndJinjaFile) {
  const auto dir = std::filesystem::temp_directory_path() / "vkllm_chat_loading";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"bos_token": "<s>", "chat_template": [{"name": "default", "template": "D{{ bos_token }}"},
            {"name": "tool_use", "template": "T"}]})";
  EXPECT_EQ(ChatTemplate::load(dir).render(nlohmann::ordered_json::array()), "D<s>");
  EXPECT_EQ(ChatTemplate::load(dir, "tool_use").render(nlohmann::ordered_json::array()), "T");
  try {
    ChatTemplate::load(dir, "rag");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no template named 'rag' (found: default, tool_use)"),
              std::string::npos);
  }
  std::ofstream(dir / "chat_template.jinja") << "J\n";
  EXPECT_EQ(ChatTemplate::load(dir).render(nlohmann::ordered_json::array()), "J");
  std::filesystem::remove_all(dir);
}

// A model folder holding only a tokenizer_config.json, removed with the test.
class ConfigDir {
 public:
  explicit ConfigDir(const std::string& config)
      : dir_(std::filesystem::temp_directory_path() /
             ("vkllm_chat_select_" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "tokenizer_config.json") << config;
  }
  ~ConfigDir() { std::filesystem::remove_all(dir_); }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

std::string render_with(const ChatTemplate& t, const nlohmann::ordered_json* tools) {
  RenderOptions opt;
  opt.tools = tools;
  return t.render(nlohmann::ordered_json::array(), opt);
}

std::string load_error(const std::filesystem::path& dir) {
  try {
    ChatTemplate::load(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Like transformers' get_chat_template: with tools (even an empty list, which is
// not None) "tool_use" when there is one, else "default"; a name always wins.
TEST(TemplateLoading, PicksToolUseWhenToolsAreGiven) {
  const nlohmann::ordered_json tools = nlohmann::ordered_json::array({{{"type", "function"}}});
  const nlohmann::ordered_json no_tools = nlohmann::ordered_json::array();
  const nlohmann::ordered_json null_tools;
  {
    ConfigDir d(R"({"chat_template": [
        {"name": "tool_use", "template": "T{{ tools | length if tools else '-' }}"},
        {"name": "default", "template": "D{{ tools }}"}]})");
    const ChatTemplate t = ChatTemplate::load(d.path());
    EXPECT_EQ(render_with(t, nullptr), "DNone");
    EXPECT_EQ(render_with(t, &null_tools), "DNone");
    EXPECT_EQ(render_with(t, &tools), "T1");
    EXPECT_EQ(render_with(t, &no_tools), "T-");
    EXPECT_EQ(render_with(ChatTemplate::load(d.path(), "default"), &tools),
              "D[{'type': 'function'}]");
    EXPECT_EQ(render_with(ChatTemplate::load(d.path(), "tool_use"), nullptr), "T-");
  }
  {
    // One template serves with and without tools.
    ConfigDir d(R"({"chat_template": "S{{ tools is none }}"})");
    const ChatTemplate t = ChatTemplate::load(d.path());
    EXPECT_EQ(render_with(t, &tools), "SFalse");
    EXPECT_EQ(render_with(t, nullptr), "STrue");
  }
  {
    ConfigDir d(R"({"chat_template": [{"name": "default", "template": "D"},
                                      {"name": "rag", "template": "R"}]})");
    EXPECT_EQ(render_with(ChatTemplate::load(d.path()), &tools), "D");
  }
  {
    // Only "tool_use": messages without tools have no template.
    ConfigDir d(R"({"chat_template": [{"name": "tool_use", "template": "T"},
                                      {"name": "rag", "template": "R"}]})");
    const ChatTemplate t = ChatTemplate::load(d.path());
    EXPECT_EQ(render_with(t, &tools), "T");
    try {
      render_with(t, nullptr);
      FAIL() << "expected an error without tools";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                "chat template: " + d.path().string() +
                    ": no template named 'default' for messages without tools (found: rag, "
                    "tool_use); give tools or name the template to use");
    }
  }
  {
    ConfigDir d(R"({"chat_template": [{"name": "rag", "template": "R"},
                                      {"name": "chatml", "template": "C"}]})");
    EXPECT_EQ(load_error(d.path()),
              "chat template: " + d.path().string() +
                  ": several templates and none named 'default' or 'tool_use' (found: chatml, "
                  "rag); name the one to use");
    EXPECT_EQ(ChatTemplate::load(d.path(), "rag").render(nlohmann::ordered_json::array()), "R");
  }
}

}  // namespace
}  // namespace vkllm::chat
