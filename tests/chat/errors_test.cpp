// Template errors name line and column; runtime errors too; loading reports
// missing or malformed templates with the file.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vkllm::chat
