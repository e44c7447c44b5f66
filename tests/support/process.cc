#include "process.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace godwit::testing {

std::string GodwitBinary() {
  const char* bin = std::getenv("GODWIT_BINARY");
  return bin ? bin : "godwit";
}

std::vector<std::string> EnvironWith(const std::vector<std::string>& set, const std::vector<std::string>& unset) {
  auto named = [](std::string_view entry, const std::string& name) {
    return entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=';
  };
  auto overridden = [&](std::string_view entry) {
    for (const auto& s : set) {
      if (named(entry, s.substr(0, s.find('=')))) return true;
    }
    for (const auto& name : unset) {
      if (named(entry, name)) return true;
    }
    return false;
  };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env.emplace_back(*e);
  }
  env.insert(env.end(), set.begin(), set.end());
  return env;
}

pid_t SpawnLogged(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log,
                  bool truncate) {
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + log);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(fd);
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

int ExitCode(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

bool Child::Exited() {
  if (exited_) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exited_ = true;
    exit_code_ = ExitCode(status);
  }
  return exited_;
}

void Child::Signal(int sig) const { kill(pid_, sig); }

ShellOutput RunShell(const std::string& cmd) {
  ShellOutput r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  r.status = pclose(p);
  return r;
}

int RunSqlite3(const std::string& path, const std::string& sql) {
  FILE* p = popen(("sqlite3 " + path).c_str(), "w");
  if (!p) return -1;
  fputs(sql.c_str(), p);
  return pclose(p);
}

}  // namespace godwit::testing
