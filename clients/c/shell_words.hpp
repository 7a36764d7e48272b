// $HAMD_COMMAND as words, split the way a POSIX shell and Python's shlex.split (the Python
// client's autostart) split a command line, so that the same variable starts the same daemon
// from every client: blanks separate words; '...' is literal; "..." keeps blanks, and a
// backslash in it escapes only \ " $ ` and newline; a backslash outside quotes escapes any
// character. Nothing is expanded (no variables, globs or ~): the words go to execvp directly,
// never through a shell.
#pragma once
#include <string>
#include <vector>

namespace hamd_c {

// false (and `error` says why) for an unterminated quote or a trailing backslash.
bool split_shell_words(const std::string &text, std::vector<std::string> &words, std::string &error);

}  // namespace hamd_c
