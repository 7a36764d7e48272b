#include "shell_words.hpp"

namespace hamd_c {

bool split_shell_words(const std::string &text, std::vector<std::string> &words, std::string &error) {
  words.clear();
  std::string word;
  bool in_word = false;  // a word has started ('' is a word, empty)
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      const size_t end = text.find('\'', i + 1);
      if (end == std::string::npos) {
        error = "unterminated single quote";
        return false;
      }
      word.append(text, i + 1, end - i - 1);
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      for (;;) {
        if (i >= text.size()) {
          error = "unterminated double quote";
          return false;
        }
        if (text[i] == '"') {
          ++i;
          break;
        }
        if (text[i] == '\\' && i + 1 < text.size() && std::string("\\\"$`\n").find(text[i + 1]) != std::string::npos) {
          if (text[i + 1] != '\n') word += text[i + 1];  // backslash-newline: a line continuation
          i += 2;
        } else {
          word += text[i++];
        }
      }
    } else if (c == '\\') {
      if (i + 1 >= text.size()) {
        error = "a backslash at the end";
        return false;
      }
      if (text[i + 1] != '\n') word += text[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(word);
  return true;
}

}  // namespace hamd_c
