// Small templates rendered by transformers 5.17's own Jinja environment
// (tests/chat/data/make_jinja_cases.py, render_jinja.py): filters, tests,
// methods, loops, macros, whitespace control, literals. Where transformers
// raised, vkllm must raise too (raise_exception with the same message).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"

namespace vkllm::chat {
namespace {

TEST(JinjaLikeTransformers, EveryCase) {
  std::ifstream in(std::string(VKLLM_SOURCE_DIR) + "/tests/chat/data/jinja_cases.json");
  ASSERT_TRUE(in) << "missing tests/chat/data/jinja_cases.json";
  const auto cases = nlohmann::ordered_json::parse(in);
  int checked = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string src = c["template"];
    // Not comparable: the date is the render day; Python prints a method with its address.
    if (src.find("strftime_now") != std::string::npos ||
        (c.contains("text") && c["text"].get<std::string>().find(" at 0x") != std::string::npos))
      continue;
    ++checked;
    const std::string where = "jinja_cases.json #" + std::to_string(i) + ": " + src;
    const nlohmann::ordered_json vars = c["vars"];
    RenderOptions opt;
    opt.extra = &vars;
    opt.add_generation_prompt = vars.value("add_generation_prompt", false);
    std::string text, error;
    try {
      text = ChatTemplate(src, {}).render(vars.value("messages", nlohmann::ordered_json::array()),
                                          opt);
    } catch (const RaisedError& e) {
      error = e.what();
      if (c.contains("error")) {
        EXPECT_EQ(error, c["error"].get<std::string>()) << where;
      }
    } catch (const Error& e) {
      error = e.what();
    }
    if (c.contains("error")) {
      EXPECT_FALSE(error.empty()) << where << ": transformers raised " << c["error"];
      continue;
    }
    EXPECT_EQ(error, "") << where;
    EXPECT_EQ(text, c["text"].get<std::string>()) << where;
  }
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace vkllm::chat
