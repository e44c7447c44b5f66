// Starting programs from tests: the godwit binary under test and the
// database servers' command-line clients.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace godwit::testing {

// $GODWIT_BINARY, the godwit binary under test ("godwit" when unset).
std::string GodwitBinary();

// This process's environment with `set` ("NAME=value") in place of any
// entries of the same names, and without the variables named in `unset`.
std::vector<std::string> EnvironWith(const std::vector<std::string>& set, const std::vector<std::string>& unset = {});

// Starts `argv` (argv[0] is the program's path) with `env` as its
// environment, its stdout and stderr appended to `log` (emptied first when
// `truncate`). Returns the pid; throws when the log cannot be opened or fork
// fails. Everything the child needs is made before fork(): a test thread may
// hold the allocator's lock at the fork, so the child calls only dup2 and
// execve, which are async-signal-safe.
pid_t SpawnLogged(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log,
                  bool truncate = false);

// A wait status as one number: the exit code, or 128 + the signal.
int ExitCode(int status);

// A child process, asked without blocking whether it has ended and how.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}

  // Whether it has ended (then exit_code() is set); reaps it when it has.
  bool Exited();
  // The exit code, or 128 + the signal; -1 while it runs.
  int exit_code() const { return exit_code_; }
  void Signal(int sig) const;

 private:
  pid_t pid_;
  bool exited_ = false;
  int exit_code_ = -1;
};

// What a shell command printed on stdout, and how it ended.
struct ShellOutput {
  std::string output;
  int status = -1;  // as pclose returns it; -1 when the command could not start
};

// Runs `cmd` with /bin/sh, reading its stdout to the end.
ShellOutput RunShell(const std::string& cmd);

// Feeds `sql` to `sqlite3 PATH` on its stdin (for fixtures made without the
// code under test). Returns the wait status, 0 on success.
int RunSqlite3(const std::string& path, const std::string& sql);

}  // namespace godwit::testing
