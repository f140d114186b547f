// The Jinja interpreter on small templates written here: whitespace control,
// expressions, filters, tests, methods, loops, macros and namespaces.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "loaders/chat/chat_template.h"
#include "loaders/chat/error.h"

namespace vkllm::chat {
namespace {

using json = nlohmann::ordered_json;

std::string render(const std::string& src, const json& vars = json::object()) {
  ChatTemplate t(src, {{"bos_token", "<s>"}, {"eos_token", "</s>"}});
  RenderOptions opt;
  opt.extra = &vars;
  return t.render(json::array(), opt);
}

TEST(Jinja, WhitespaceControlLikeTransformers) {
  // trim_blocks drops the newline after a block tag; lstrip_blocks the indentation before it.
  EXPECT_EQ(render("{% if true %}\n  yes\n  {% endif %}\nend"), "  yes\nend");
  EXPECT_EQ(render("a  {{- 'b' -}}  c"), "abc");
  EXPECT_EQ(render("a\n{%- if true %} b {%+ endif %}"), "a b ");
  EXPECT_EQ(render("x\n"), "x");  // the single trailing newline is dropped
  EXPECT_EQ(render("{# comment #}\nok"), "ok");
  EXPECT_EQ(render("{% raw %}{{ not parsed }}{% endraw %}"), "{{ not parsed }}");
}

TEST(Jinja, ExpressionsFollowPython) {
  EXPECT_EQ(
      render("{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 1 / 2 }}"),
      "7 3 -4 1 1024 0.5");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none }} {{ 'ab' * 2 }} {{ [1] + [2] }}"), "a1None abab [1, 2]");
  EXPECT_EQ(render("{{ x if x else 'no' }} {{ 'y' if false }}|", {{"x", 0}}), "no |");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 'b' in 'abc' }} {{ 3 not in [1, 2] }} {{ none or 'd' }}"),
            "True True True d");
  EXPECT_EQ(render("{{ {'a': 1, 'b': [true, none]} }} {{ 1.0 }} {{ 2.50 }}"),
            "{'a': 1, 'b': [True, None]} 1.0 2.5");
  EXPECT_EQ(render("{{ 'it''s' }} {{ \"q\\\"\" }}"), "its q\"");
}

TEST(Jinja, SubscriptsAndSlices) {
  const json v = {{"s", "héllo"}, {"l", {1, 2, 3, 4}}, {"d", {{"k", "v"}}}};
  EXPECT_EQ(render("{{ s[1] }} {{ s[::-1] }} {{ l[1:3] }} {{ l[-1] }} {{ l[::2] }}", v),
            "é olléh [2, 3] 4 [1, 3]");
  EXPECT_EQ(render("{{ d['k'] }} {{ d.k }} {{ d.missing is defined }} {{ l[10] is defined }}", v),
            "v v False False");
}

TEST(Jinja, StringAndDictMethods) {
  const json v = {{"s", "  <think>a</think>\n\nb  "}, {"d", {{"x", 1}, {"y", 2}}}};
  EXPECT_EQ(
      render("{{ s.strip() }}|{{ s.split('</think>')[-1].lstrip('\\n') }}|{{ 'a,b'.split(',') }}",
             v),
      "<think>a</think>\n\nb|b  |['a', 'b']");
  EXPECT_EQ(render("{{ 'Ab'.upper() }}{{ 'Ab'.lower() }} {{ 'abc'.startswith('ab') }} "
                   "{{ 'abc'.endswith(('x', 'c')) }} {{ 'a-b'.replace('-', '+') }} {{ 'hello "
                   "world'.title() }}"),
            "ABab True True a+b Hello World");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.keys() | list }} "
                   "{{ d.get('z', 0) }}",
                   v),
            "x=1;y=2; ['x', 'y'] 0");
}

TEST(Jinja, Filters) {
  const json v = {{"items", {{{"n", "b"}, {"k", 2}}, {{"n", "a"}, {"k", 1}}}}, {"t", " x "}};
  EXPECT_EQ(render("{{ t | trim }}|{{ t | length }}|{{ [3, 1, 2] | sort | join(',') }}|{{ items | "
                   "map(attribute='n') | join }}",
                   v),
            "x|3|1,2,3|ba");
  EXPECT_EQ(render("{{ items | selectattr('k', 'equalto', 1) | map(attribute='n') | first }} "
                   "{{ items | sort(attribute='n') | map(attribute='k') | list }} {{ undefined_var "
                   "| default('d') }}",
                   v),
            "a [1, 2] d");
  EXPECT_EQ(
      render(
          "{{ [1, 2, 2] | unique | list }} {{ [1, 2] | reverse | list }} {{ 'a\nb' | indent(2) }} "
          "{{ [1, 2, 3] | select('odd') | list }} {{ 'x' | upper }} {{ [4, 5] | last }}"),
      "[1, 2] [2, 1] a\n  b [1, 3] X 5");
}

TEST(Jinja, ToJsonMatchesPythonJsonDumps) {
  const json v = {
      {"t", {{"name", "f"}, {"parameters", {{"a", 1.5}, {"b", {true, nullptr, "é\n"}}}}}}};
  EXPECT_EQ(render("{{ t | tojson }}", v),
            "{\"name\": \"f\", \"parameters\": {\"a\": 1.5, \"b\": [true, null, \"é\\n\"]}}");
  EXPECT_EQ(render("{{ {'a': [1]} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1\n  ]\n}");
}

TEST(Jinja, Tests) {
  EXPECT_EQ(
      render("{{ x is defined }} {{ y is none }} {{ 's' is string }} {{ {} is mapping }} "
             "{{ [1] is iterable }} {{ 3 is odd }} {{ 4 is divisibleby(2) }} {{ f is false }} "
             "{{ 1 is number }} {{ x is not defined }}",
             {{"y", nullptr}, {"f", false}}),
      "False True True True True True True True True True");
}

TEST(Jinja, LoopsScopesNamespacesMacros) {
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.first }}{{ loop.last }}"
                   "{% if not loop.last %},{% endif %}{% endfor %}"),
            "1TrueFalse,2FalseFalse,3FalseTrue");
  EXPECT_EQ(render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}"
                   "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "13");
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in [1, 2, 3] if x > 1 %}{{ loop.index }}:{{ x }} {% endfor %}"),
            "1:2 2:3 ");
  // A set inside a loop does not leak out; a namespace does.
  EXPECT_EQ(render("{% set c = 0 %}{% set ns = namespace(c=0) %}{% for x in [1, 2] %}"
                   "{% set c = c + x %}{% set ns.c = ns.c + x %}{% endfor %}{{ c }} {{ ns.c }}"),
            "0 3");
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('a') }} {{ greet('b', punct='?') }}"),
            "Hi a! Hi b?");
  EXPECT_EQ(render("{% set block %}x{{ 1 + 1 }}{% endset %}{{ block }}"), "x2");
  EXPECT_EQ(render("{% for i in range(3) %}{{ i }}{% endfor %}{{ loop is defined }}"), "012False");
}

TEST(Jinja, RaiseExceptionAndStrftimeNow) {
  try {
    render("{{ raise_exception('Only user and assistant roles are supported!') }}");
    FAIL() << "expected raise_exception to throw";
  } catch (const RaisedError& e) {
    EXPECT_STREQ(e.what(), "Only user and assistant roles are supported!");
  }
  ChatTemplate t("{{ strftime_now('%d %b %Y') }}", {});
  RenderOptions opt;
  opt.now = std::chrono::system_clock::from_time_t(1785326400);  // 2026-07-29 12:00 UTC
  EXPECT_EQ(t.render(json::array(), opt), "29 Jul 2026");
}

TEST(Jinja, MessagesWithContentParts) {
  ChatTemplate t(
      "{% for m in messages %}{% if m.content is string %}{{ m.content }}{% else %}"
      "{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% endif %}{% endfor %}"
      "{% endif %}|{% endfor %}{% if add_generation_prompt %}>{% endif %}",
      {});
  const json msgs = json::parse(R"([{"role": "user", "content": "a"},
      {"role": "user", "content": [{"type": "text", "text": "b"}, {"type": "image"}]}])");
  EXPECT_EQ(t.render(msgs), "a|b|>");
  RenderOptions no_gen;
  no_gen.add_generation_prompt = false;
  EXPECT_EQ(t.render(msgs, no_gen), "a|b|");
}

}  // namespace
}  // namespace vkllm::chat
