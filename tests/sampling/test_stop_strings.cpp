// StopStrings: what is released, what is held back, and where it stops, for stop
// strings split across pushes, overlapping stop strings and multi-byte characters.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/runtime/stop_strings.h"

namespace vkllm::runtime {
namespace {

// Pushes each piece; returns the concatenated releases plus finish().
std::string run(StopStrings& stops, const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& piece : pieces) out += stops.push(piece);
  return out + stops.finish();
}

struct Step {
  std::string push, released;
};

// Pushes each step's text into a fresh StopStrings and checks what each push releases,
// then which stop string ended it ("": none) and what finish() releases.
void expect_steps(const std::vector<std::string>& stops, const std::vector<Step>& steps,
                  const std::string& matched, const std::string& finished = "") {
  StopStrings s(stops);
  for (const Step& step : steps) EXPECT_EQ(s.push(step.push), step.released) << step.push;
  EXPECT_EQ(s.stopped(), !matched.empty());
  EXPECT_EQ(s.matched(), matched);
  EXPECT_EQ(s.finish(), finished);
}

TEST(sampling, StopStringsStopSplitAcrossPushes) {
  expect_steps({"o W"}, {{"Hel", "Hel"}, {"lo Wo", "l"}, {"rld", ""}}, "o W");
  // "o" and then "o " may still start "o W".
  expect_steps({"o W"}, {{"Hello", "Hell"}, {" ", ""}, {"World", ""}}, "o W");
}

TEST(sampling, StopStringsHeldPrefixThatIsNotAStopIsReleasedLater) {
  expect_steps({"<end>"}, {{"a<e", "a"}, {"n", ""}, {"x <", "<enx "}, {"b", "<b"}}, "");
}

TEST(sampling, StopStringsOneStopAPrefixOfAnother) {
  // "ab" completes before "abc" can: it wins, whether "c" comes in the same push or not.
  for (const std::vector<std::string>& pieces :
       std::vector<std::vector<std::string>>{{"xa", "bc"}, {"xabc"}, {"x", "a", "b", "c"}}) {
    StopStrings s({"abc", "ab"});
    EXPECT_EQ(run(s, pieces), "x");
    EXPECT_EQ(s.matched(), "ab");
  }
  // Held back while either may still complete.
  expect_steps({"</s>", "</sys>"}, {{"a</s", "a"}, {"y", ""}, {"s>", ""}}, "</sys>");
}

TEST(sampling, StopStringsFirstToCompleteWinsThenTheLonger) {
  // "bc" ends at byte 4, "xabcd" at 5.
  expect_steps({"xabcd", "bc"}, {{"xabcd", "xa"}}, "bc");
  // Both end at byte 4: the longer one, so less text is released.
  expect_steps({"bc", "abc"}, {{"xabc", "x"}}, "abc");
}

TEST(sampling, StopStringsStopAtTheVeryStart) {
  expect_steps({"###"}, {{"###rest", ""}}, "###");
  expect_steps({"###"}, {{"#", ""}, {"##", ""}}, "###");
}

TEST(sampling, StopStringsMultiByteCharactersNextToAStop) {
  expect_steps({"!"}, {{"café", "café"}, {"!", ""}}, "!");
  // The whole emoji may start the stop string, so it is held back.
  expect_steps({"🙂 bye"}, {{"hi 🙂", "hi "}, {" there", "🙂 there"}}, "");
  expect_steps({"🙂 bye"}, {{"é🙂", "é"}, {" bye now", ""}}, "🙂 bye");
  expect_steps({"ab"}, {{"éa", "é"}}, "", "a");
}

TEST(sampling, StopStringsHoldBackNeverSplitsACharacter) {
  // A stop string that is not valid UTF-8, starting with the last byte of 🙂 (F0 9F 99 82):
  // the one byte it shares would split the emoji, so the whole emoji is held.
  expect_steps({"\x82!"}, {{"a🙂", "a"}, {"?", "🙂?"}}, "");
  // When it does complete, the broken character before it is dropped with it.
  expect_steps({"\x82!"}, {{"a🙂", "a"}, {"!", ""}}, "\x82!");
}

TEST(sampling, StopStringsFinishReleasesHeldText) {
  expect_steps({"STOP"}, {{"go ST", "go "}}, "", "ST");
}

TEST(sampling, StopStringsNoStopsPassThrough) {
  expect_steps({}, {{"Hello", "Hello"}, {" 🙂", " 🙂"}}, "");
  expect_steps({"", ""}, {{"abc", "abc"}}, "");  // empty stop strings are ignored
}

TEST(sampling, StopStringsResultDoesNotDependOnHowTheTextIsSplit) {
  // Random text over a small alphabet, random stops: one push, one push per character and
  // random chunks all release the same text and match the same stop.
  const std::vector<std::string> alphabet = {"a", "b", "c", "é", "🙂"};
  std::mt19937 rng(9);
  auto word = [&](size_t max_chars) {
    std::vector<std::string> chars(1 + rng() % max_chars);
    for (std::string& c : chars) c = alphabet[rng() % alphabet.size()];
    return chars;
  };
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<std::string> stops;
    for (int i = 0; i < 3; ++i) {
      std::string stop;
      for (const std::string& c : word(3)) stop += c;
      stops.push_back(stop);
    }
    const std::vector<std::string> chars = word(12);
    std::string text;
    for (const std::string& c : chars) text += c;
    std::vector<std::string> chunks;
    for (size_t i = 0; i < chars.size();) {
      std::string chunk;
      for (size_t n = 1 + rng() % 3; n > 0 && i < chars.size(); --n) chunk += chars[i++];
      chunks.push_back(chunk);
    }

    StopStrings whole(stops), by_char(stops), by_chunk(stops);
    const std::string want = run(whole, {text});
    EXPECT_EQ(run(by_char, chars), want) << text;
    EXPECT_EQ(run(by_chunk, chunks), want) << text;
    EXPECT_EQ(by_char.matched(), whole.matched()) << text;
    EXPECT_EQ(by_chunk.matched(), whole.matched()) << text;
    // The release is the text before the first completed stop (or all of it).
    if (whole.stopped()) {
      EXPECT_EQ(text.compare(0, want.size(), want), 0) << text;
      EXPECT_NE(text.find(whole.matched(), want.size()), std::string::npos) << text;
    } else {
      EXPECT_EQ(want, text);
    }
  }
}

}  // namespace
}  // namespace vkllm::runtime
