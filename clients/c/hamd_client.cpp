// hamd C client over gRPC C++ (hamd.h). Sessions: docs/sessions.md; autostart and its start lock:
// clients/python/hamd/autostart.py and startlock.py (the same protocol, so that C, Python and
// Node clients exclude each other).
// The library is built with hidden visibility: only the C API is exported.
#pragma GCC visibility push(default)
#include "hamd.h"
#pragma GCC visibility pop

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include "hamd/v1/hamd.grpc.pb.h"
#include "daemon_token.hpp"
#include "session_frames.hpp"
#include "session_socket.hpp"
#include "shell_words.hpp"
#include "step_watchdog.hpp"

namespace {

namespace pb = hamd::v1;
constexpr double BOHR_ANGSTROM = 0.529177210903;
constexpr const char *API_VERSION = "hamd.v1";

thread_local std::string last_error;

int fail(int code, std::string message) {
  last_error = std::move(message);
  return code;
}

int fail_status(const grpc::Status &status, const std::string &what) {
  return fail(static_cast<int>(status.error_code()), what + ": " + status.error_message());
}

std::string default_address() {
  const char *address = std::getenv("HAMD_ADDRESS");
  if (address && *address) return address;
  const char *runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime) return std::string("unix:") + runtime + "/hamd/hamd.sock";
  return "unix:/tmp/hamd-" + std::to_string(getuid()) + "/hamd.sock";
}

// The socket path of a Unix address, "" for host:port.
std::string socket_path(const std::string &address) {
  if (address.rfind("unix:", 0) == 0) {
    std::string path = address.substr(5);
    return path.rfind("//", 0) == 0 ? path.substr(2) : path;
  }
  if (!address.empty() && address[0] == '/') return address;
  return "";
}

std::string grpc_target(const std::string &address) {
  if (address.rfind("unix:", 0) == 0) return address;
  if (!address.empty() && address[0] == '/') return "unix:" + address;
  return address;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

bool socket_accepts(const std::string &path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  bool ok = connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

bool read_f64(const pb::Array &array, size_t count, double *out) {
  if (array.dtype() != "<f8" || array.data().size() != count * sizeof(double)) return false;
  std::memcpy(out, array.data().data(), count * sizeof(double));
  return true;
}

void write_f64(pb::Array *array, const double *values, std::initializer_list<int64_t> shape) {
  array->set_dtype("<f8");
  array->clear_shape();  // the step message is reused: a new cell replaces the last one's shape
  size_t count = 1;
  for (int64_t d : shape) {
    array->add_shape(d);
    count *= static_cast<size_t>(d);
  }
  array->set_data(reinterpret_cast<const char *>(values), count * sizeof(double));
}

// ------------------------------------------------------------------ start lock (startlock.py)
constexpr double STALE_AFTER_S = 600.0;

bool process_alive(long pid) { return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

class StartLock {
 public:
  ~StartLock() { release(); }
  // Waits up to timeout_s; false (with last_error) when another client holds it longer.
  bool acquire(const std::string &path, double timeout_s) {
    double deadline = now_s() + timeout_s;
    long holder_pid = 0;
    for (;;) {
      int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
      if (fd >= 0) {
        std::string text = std::to_string(getpid()) + "\n";
        ssize_t written = write(fd, text.data(), text.size());
        (void)written;
        struct stat st;
        fstat(fd, &st);
        close(fd);
        path_ = path;
        inode_ = st.st_ino;
        device_ = st.st_dev;
        held_ = true;
        return true;
      }
      if (errno != EEXIST) {
        fail(HAMD_UNAVAILABLE, "cannot create the start lock " + path + ": " + std::strerror(errno));
        return false;
      }
      struct stat st;
      if (lstat(path.c_str(), &st) == 0) {
        holder_pid = 0;
        if (FILE *file = std::fopen(path.c_str(), "r")) {
          if (std::fscanf(file, "%ld", &holder_pid) != 1) holder_pid = 0;
          std::fclose(file);
        }
        double age = static_cast<double>(std::time(nullptr) - st.st_mtime);
        bool stale = age > STALE_AFTER_S || (holder_pid <= 0 ? age > 1.0 : !process_alive(holder_pid));
        if (stale) {
          break_stale(path, st);
          continue;
        }
      }
      if (now_s() > deadline) {
        fail(HAMD_UNAVAILABLE, "another client (pid " + (holder_pid > 0 ? std::to_string(holder_pid) : "?") +
                                   ") has been starting the hamd daemon for too long (lock " + path +
                                   "); remove the lock file if that process is not a hamd client");
        return false;
      }
      sleep_s(0.05);
    }
  }
  void release() {
    if (!held_) return;
    held_ = false;
    struct stat st;
    if (lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_ && st.st_dev == device_) unlink(path_.c_str());
  }

 private:
  static void break_stale(const std::string &path, const struct stat &judged) {
    char suffix[64];
    std::snprintf(suffix, sizeof suffix, ".stale-%d-%08x", static_cast<int>(getpid()),
                  static_cast<unsigned>(std::rand()));
    std::string aside = path + suffix;
    if (rename(path.c_str(), aside.c_str()) != 0) return;
    struct stat moved;
    if (lstat(aside.c_str(), &moved) == 0 && (moved.st_ino != judged.st_ino || moved.st_dev != judged.st_dev))
      (void)link(aside.c_str(), path.c_str());  // a fresh lock: put it back
    unlink(aside.c_str());
  }
  std::string path_;
  ino_t inode_ = 0;
  dev_t device_ = 0;
  bool held_ = false;
};

}  // namespace

// ------------------------------------------------------------------ handles
struct hamd_client {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::Hamd::Stub> stub;
  std::string version;
  std::string session_socket;  // ServerInfo.session_socket: "unix:/path", or "" when none is offered
  std::string transport;       // hamd_set_session_transport: "auto", "socket", "grpc", or "" ($HAMD_SESSION_TRANSPORT)
  std::string token;           // a TCP daemon's token (daemon_token.hpp); "" over a Unix socket

  // Every call carries the token when there is one, and this process's name ("c:HOST:PID"),
  // by which the daemon holds one client to its share (hamd serve --client-share).
  void authorize(grpc::ClientContext &context) const {
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    context.AddMetadata("hamd-client", client_name());
  }

  static std::string client_name() {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return std::string("c:") + host + ":" + std::to_string(static_cast<long>(getpid()));
  }
};

struct hamd_session {
  hamd_client *client = nullptr;
  // The transport: the Session RPC (context, stream; watchdog below) or the framed session
  // socket (socket, frame, end). Either ends (stream reset, socket closed) with the session.
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReaderWriter<pb::SessionRequest, pb::SessionResponse>> stream;
  std::unique_ptr<hamd_c::FrameSocket> socket;
  std::string frame;  // the request's bytes, reused: its capacity stays from step to step
  pb::SessionEnd end;
  int n_atoms = 0;
  int outputs = 0;
  bool periodic = false;
  bool hartree = false;
  double cell[9] = {0};
  // Results of the last successful step.
  bool have = false;
  double energy = 0, sigma = 0, compute_us = 0;
  double cutoff = 0;  // from `opened`
  std::vector<double> forces;
  double stress[9] = {0};
  std::vector<double> energies;
  pb::SessionRequest request;  // reused: its positions buffer keeps its capacity
  pb::SessionResponse response;  // the last answer, read into by either transport
  double step_timeout_s = 0;   // > 0: each step's deadline
  // Declared after context and stream: destroyed (its thread joined) before them.
  std::unique_ptr<hamd_c::StepWatchdog> watchdog;
};

namespace {

// A client whose daemon answered GetServerInfo, else nullptr (and last_error, code).
std::unique_ptr<hamd_client> healthy(const std::string &address, double timeout_s, int *code) {
  auto client = std::make_unique<hamd_client>();
  client->address = address;
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(-1);
  arguments.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (grpc_target(address).rfind("unix:", 0) != 0) {
    // A TCP daemon speaks TLS and asks for its token (docs/cli.md, "Token and TLS (TCP)").
    std::string where;
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = hamd_c::daemon_certificate(&where);
    if (tls.pem_root_certs.empty()) {
      *code = HAMD_UNAVAILABLE;
      fail(*code, address + " is a TCP daemon, which speaks TLS: its certificate is not at " + where +
                      " (set HAMD_TLS_CERT to a copy of the daemon's cert.pem)");
      return nullptr;
    }
    credentials = grpc::SslCredentials(tls);
    client->token = hamd_c::daemon_token();
  }
  client->channel = grpc::CreateCustomChannel(grpc_target(address), credentials, arguments);
  client->stub = pb::Hamd::NewStub(client->channel);
  grpc::ClientContext context;
  client->authorize(context);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::microseconds(static_cast<long long>(timeout_s * 1e6)));
  pb::GetServerInfoRequest request;
  pb::ServerInfo info;
  grpc::Status status = client->stub->GetServerInfo(&context, request, &info);
  if (!status.ok()) {
    *code = static_cast<int>(status.error_code());
    if (*code == HAMD_DEADLINE_EXCEEDED) *code = HAMD_UNAVAILABLE;
    fail(*code, "no hamd daemon answers at " + address + ": " + status.error_message());
    return nullptr;
  }
  if (info.api_version() != API_VERSION) {
    *code = HAMD_FAILED_PRECONDITION;
    fail(*code, "the hamd daemon at " + address + " is version " + info.version() + " (API " + info.api_version() +
                    "), this client speaks " + API_VERSION + ": stop that daemon (hamd stop --address " + address +
                    ") or use another address");
    return nullptr;
  }
  client->version = info.version();
  client->session_socket = info.session_socket();
  if (info.version() != HAMD_CLIENT_VERSION) {
    // Same API, another release: it should work, but say so once (results may differ where the
    // daemon's models or fixes differ from what this client was tested with).
    std::string warning = "hamd client " HAMD_CLIENT_VERSION ": the daemon at " + address + " is version " +
                          info.version() + " (same API " + API_VERSION + ")";
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    last_error = "warning: " + warning;
  }
  *code = HAMD_OK;
  return client;
}

// $HAMD_COMMAND (else "hamd") as words; false with last_error set when it cannot be split.
bool hamd_command(std::vector<std::string> &words) {
  const char *command = std::getenv("HAMD_COMMAND");
  std::string text = command && *command ? command : "hamd", error;
  if (!hamd_c::split_shell_words(text, words, error)) {
    fail(HAMD_UNAVAILABLE, "HAMD_COMMAND: " + error + " in `" + text + "` (it is split as a shell would, e.g. "
                           "HAMD_COMMAND=\"node '/path with blanks/bin/hamd.js'\")");
    return false;
  }
  if (words.empty()) {
    fail(HAMD_UNAVAILABLE, "HAMD_COMMAND is blank");
    return false;
  }
  return true;
}

// Starts `hamd serve` detached (double fork: the daemon is not our child); its pid, or -1
// (last_error set when the command could not be split).
long start_daemon(const std::string &path, const std::string &directory, std::vector<std::string> args) {
  args.insert(args.end(), {"serve", "--listen", "unix:" + path, "--pid-file", directory + "/hamd.pid"});
  const char *idle = std::getenv("HAMD_IDLE_EXIT");
  std::string idle_exit = idle && *idle ? idle : "900";
  if (std::strtod(idle_exit.c_str(), nullptr) > 0) args.insert(args.end(), {"--idle-exit", idle_exit});
  std::string log_path = directory + "/hamd.log";
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -1;
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    close(pipe_fds[0]);
    setsid();
    pid_t grandchild = fork();
    if (grandchild == 0) {
      close(pipe_fds[1]);
      int in = open("/dev/null", O_RDONLY);
      int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (in >= 0) dup2(in, 0);
      if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
      }
      std::vector<char *> argv;
      for (auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      std::fprintf(stderr, "hamd client: cannot run %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    long pid = grandchild;
    ssize_t written = write(pipe_fds[1], &pid, sizeof pid);
    (void)written;
    _exit(0);
  }
  close(pipe_fds[1]);
  long pid = -1;
  if (read(pipe_fds[0], &pid, sizeof pid) != sizeof pid) pid = -1;
  close(pipe_fds[0]);
  waitpid(child, nullptr, 0);
  return pid;
}

std::string log_tail(const std::string &path) {
  std::string text;
  if (FILE *file = std::fopen(path.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
  }
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

int connect_or_start(const std::string &address, hamd_client **out) {
  int code;
  auto client = healthy(address, 2.0, &code);
  if (client) {
    *out = client.release();
    return HAMD_OK;
  }
  if (code != HAMD_UNAVAILABLE) return code;
  std::string path = socket_path(address);
  if (path.empty())
    return fail(HAMD_UNAVAILABLE, "no hamd daemon answers at " + address + " (start one with `hamd serve --listen " +
                                      address + "`)");
  std::string directory = path.substr(0, path.find_last_of('/'));
  if (directory.empty()) directory = "/";
  // mkdir -p, mode 0700
  for (size_t i = 1; i <= directory.size(); ++i)
    if (i == directory.size() || directory[i] == '/') mkdir(directory.substr(0, i).c_str(), 0700);
  StartLock lock;
  if (!lock.acquire(path + ".lock", 70.0)) return HAMD_UNAVAILABLE;
  // Whoever held the lock before may have started the daemon meanwhile; something that accepts
  // connections without serving is reported, not replaced.
  double deadline = now_s() + 30.0;
  for (;;) {
    client = healthy(address, 1.0, &code);
    if (client) {
      *out = client.release();
      return HAMD_OK;
    }
    if (code != HAMD_UNAVAILABLE) return code;
    if (access(path.c_str(), F_OK) != 0 || !socket_accepts(path)) break;
    if (now_s() > deadline)
      return fail(HAMD_UNAVAILABLE, "something accepts connections on " + path +
                                        " but does not answer as a serving hamd daemon within 30 s; not replacing it");
    sleep_s(0.1);
  }
  std::string log_path = directory + "/hamd.log";
  std::vector<std::string> command;
  if (!hamd_command(command)) return HAMD_UNAVAILABLE;
  long pid = start_daemon(path, directory, command);
  if (pid <= 0) return fail(HAMD_UNAVAILABLE, "cannot start the hamd daemon (fork failed)");
  deadline = now_s() + 60.0;
  while (now_s() < deadline) {
    client = healthy(address, 1.0, &code);
    if (client) {
      *out = client.release();
      return HAMD_OK;
    }
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      return fail(HAMD_UNAVAILABLE, "the hamd daemon exited before serving (no daemon answers and `" +
                                        command[0] + " serve` failed; install hamd, put `hamd` on the PATH, "
                                        "or set HAMD_COMMAND); " + log_path + " ends with:\n" + log_tail(log_path));
    sleep_s(0.1);
  }
  return fail(HAMD_UNAVAILABLE, "the hamd daemon did not start serving within 60 s; see " + log_path);
}

bool session_live(const hamd_session *session) {
  return session->stream || (session->socket && session->socket->is_open());
}

std::string deadline_message(const char *what, double timeout_s) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", timeout_s);
  return std::string(what) + ": no answer within " + seconds +
         " s (hamd_session_options.timeout_s); the session is ended";
}

// ---- the Session RPC

// Reads the next response; on the end of the stream, its status.
int read_response(hamd_session *session, const char *what) {
  if (session->stream->Read(&session->response)) return HAMD_OK;
  grpc::Status status = session->stream->Finish();
  session->stream.reset();
  if (status.ok()) return fail(HAMD_INTERNAL, std::string(what) + ": the daemon ended the session");
  return fail_status(status, what);
}

// Writes `request` and reads its answer within `timeout_s` (> 0; else without a limit). A
// deadline that passes cancels the call: 4 DEADLINE_EXCEEDED, the session ended.
int grpc_exchange(hamd_session *session, const pb::SessionRequest &request, const char *what, double timeout_s) {
  const bool timed = timeout_s > 0 && session->watchdog;
  if (timed) session->watchdog->arm(timeout_s);
  int code;
  if (!session->stream->Write(request)) {
    code = read_response(session, what);  // the stream has ended: its status
    if (code == HAMD_OK) code = fail(HAMD_UNAVAILABLE, std::string(what) + ": the stream closed");
  } else {
    code = read_response(session, what);
  }
  if (timed && session->watchdog->disarm()) {
    if (session->stream) {  // cancelled just as the answer came: the call is over all the same
      session->stream->Finish();
      session->stream.reset();
    }
    return fail(HAMD_DEADLINE_EXCEEDED, deadline_message(what, timeout_s));
  }
  return code;
}

// ---- the framed session socket (docs/sessions.md, "Framed transport")

using FrameSocket = hamd_c::FrameSocket;

FrameSocket::Clock::time_point deadline_after(double timeout_s) {
  if (timeout_s <= 0) return FrameSocket::NO_DEADLINE;
  return FrameSocket::Clock::now() +
         std::chrono::duration_cast<FrameSocket::Clock::duration>(std::chrono::duration<double>(timeout_s));
}

// Reads the daemon's next frame into session->response. Its SessionEnd, a deadline that passes,
// or a connection that breaks end the session, with the code the gRPC stream would have given.
int socket_read(hamd_session *session, const char *what, FrameSocket::Clock::time_point deadline,
                double timeout_s) {
  FrameSocket &socket = *session->socket;
  const char *data;
  size_t size;
  FrameSocket::Status status = socket.read_frame(&data, &size, deadline);
  if (status == FrameSocket::OK) {
    switch (hamd_c::decode_session_frame(data, size, &session->response, &session->end)) {
      case hamd_c::FrameKind::RESPONSE:
        return HAMD_OK;
      case hamd_c::FrameKind::END:
        socket.close();
        if (session->end.code() == 0) return fail(HAMD_INTERNAL, std::string(what) + ": the daemon ended the session");
        return fail(session->end.code(), std::string(what) + ": " + session->end.message());
      case hamd_c::FrameKind::MALFORMED:
        break;
    }
    socket.close();
    return fail(HAMD_INTERNAL, std::string(what) + ": a frame from the daemon's session socket that does not parse");
  }
  std::string error = socket.error();
  socket.close();
  switch (status) {
    case FrameSocket::TIMEOUT:
      return fail(HAMD_DEADLINE_EXCEEDED, deadline_message(what, timeout_s));
    case FrameSocket::CLOSED:
      return fail(HAMD_UNAVAILABLE, std::string(what) + ": the daemon closed the session socket");
    default:
      return fail(HAMD_UNAVAILABLE, std::string(what) + ": session socket: " + error);
  }
}

// grpc_exchange over the session socket: the deadline is poll()'s.
int socket_exchange(hamd_session *session, const pb::SessionRequest &request, const char *what, double timeout_s) {
  const auto deadline = deadline_after(timeout_s);
  if (!request.SerializeToString(&session->frame)) {
    session->socket->close();
    return fail(HAMD_INTERNAL, std::string(what) + ": the request does not serialize");
  }
  FrameSocket::Status status = session->socket->write_frame(session->frame.data(), session->frame.size(), deadline);
  if (status == FrameSocket::OK || status == FrameSocket::CLOSED) {
    // A closed socket: the daemon has ended the session, and its SessionEnd may be waiting.
    int code = socket_read(session, what, deadline, timeout_s);
    if (code == HAMD_OK && status == FrameSocket::CLOSED) {
      session->socket->close();
      return fail(HAMD_UNAVAILABLE, std::string(what) + ": the daemon closed the session socket");
    }
    return code;
  }
  std::string error = session->socket->error();
  session->socket->close();
  if (status == FrameSocket::TIMEOUT) return fail(HAMD_DEADLINE_EXCEEDED, deadline_message(what, timeout_s));
  return fail(HAMD_UNAVAILABLE, std::string(what) + ": session socket: " + error);
}

// Writes `request` and reads its answer within `timeout_s` (> 0; else without a limit), on the
// session's transport. A deadline that passes ends the session: 4 DEADLINE_EXCEEDED.
int exchange(hamd_session *session, const pb::SessionRequest &request, const char *what, double timeout_s) {
  if (session->socket) return socket_exchange(session, request, what, timeout_s);
  return grpc_exchange(session, request, what, timeout_s);
}

bool valid_transport(const std::string &name) { return name == "auto" || name == "socket" || name == "grpc"; }

// The path of the session socket that a session of `client` uses, or "" for the gRPC stream:
// hamd_set_session_transport's choice, else $HAMD_SESSION_TRANSPORT, else "auto" (the socket
// when the daemon offers one and the client reached it over a Unix socket).
int session_socket_path(const hamd_client *client, std::string *path, bool *insist) {
  path->clear();
  std::string transport = client->transport;
  if (transport.empty()) {
    const char *variable = std::getenv("HAMD_SESSION_TRANSPORT");
    transport = variable && *variable ? variable : "auto";
    if (!valid_transport(transport))
      return fail(HAMD_INVALID_ARGUMENT, "HAMD_SESSION_TRANSPORT must be auto, socket or grpc, not \"" +
                                             transport + "\"");
  }
  *insist = transport == "socket";
  if (transport == "grpc" || (transport == "auto" && socket_path(client->address).empty())) return HAMD_OK;
  if (client->session_socket.rfind("unix:", 0) != 0) {
    if (*insist)
      return fail(HAMD_FAILED_PRECONDITION, "the hamd daemon at " + client->address +
                                                " offers no session socket (hamd serve --session-socket; TCP daemons "
                                                "do not), and the session transport \"socket\" "
                                                "(HAMD_SESSION_TRANSPORT or hamd_set_session_transport) insists on one");
    return HAMD_OK;
  }
  *path = client->session_socket.substr(5);
  return HAMD_OK;
}

// hamd_session_close on the session socket: `close`, then the daemon's answers up to its
// SessionEnd, whose code is the result (as the stream's final status). Within the step timeout
// when there is one.
int close_socket_session(hamd_session *session) {
  pb::SessionRequest request;
  request.mutable_close();
  const double timeout_s = session->step_timeout_s;
  const auto deadline = deadline_after(timeout_s);
  FrameSocket &socket = *session->socket;
  bool closed = false;  // the daemon answered `closed`
  if (request.SerializeToString(&session->frame)) socket.write_frame(session->frame.data(), session->frame.size(), deadline);
  for (;;) {
    const char *data;
    size_t size;
    FrameSocket::Status status = socket.read_frame(&data, &size, deadline);
    if (status != FrameSocket::OK) {
      socket.close();
      if (closed && status == FrameSocket::CLOSED) return HAMD_OK;  // closed without its SessionEnd
      if (status == FrameSocket::TIMEOUT) return fail(HAMD_DEADLINE_EXCEEDED, deadline_message("closing the session", timeout_s));
      return fail(HAMD_UNAVAILABLE, "closing the session: the daemon closed the session socket");
    }
    switch (hamd_c::decode_session_frame(data, size, &session->response, &session->end)) {
      case hamd_c::FrameKind::RESPONSE:
        closed = closed || session->response.has_closed();
        continue;
      case hamd_c::FrameKind::END:
        socket.close();
        if (session->end.code() != 0)
          return fail(session->end.code(), "closing the session: " + session->end.message());
        return HAMD_OK;
      case hamd_c::FrameKind::MALFORMED:
        socket.close();
        return fail(HAMD_INTERNAL, "closing the session: a frame from the daemon's session socket that does not parse");
    }
  }
}

}  // namespace

extern "C" {

const char *hamd_last_error(void) { return last_error.c_str(); }

void hamd_session_options_init(hamd_session_options *options) {
  options->outputs = HAMD_ENERGY | HAMD_FORCES;
  options->cell = nullptr;
  options->pbc = nullptr;
  options->model = nullptr;
  options->units = nullptr;
  options->skin = -1.0;
  options->timeout_s = 0.0;
}

size_t hamd_default_address(char *buffer, size_t size) {
  std::string address = default_address();
  if (buffer && size > 0) {
    size_t n = std::min(size - 1, address.size());
    std::memcpy(buffer, address.data(), n);
    buffer[n] = '\0';
  }
  return address.size();
}

int hamd_connect(const char *address, int flags, hamd_client **client) {
  if (!client) return fail(HAMD_INVALID_ARGUMENT, "hamd_connect: client is NULL");
  *client = nullptr;
  last_error.clear();
  std::string target = address && *address ? address : default_address();
  try {
    if (flags & HAMD_AUTOSTART) return connect_or_start(target, client);
    int code;
    auto found = healthy(target, 5.0, &code);
    if (!found) return code;
    *client = found.release();
    return HAMD_OK;
  } catch (const std::exception &error) {
    return fail(HAMD_INTERNAL, std::string("hamd_connect: ") + error.what());
  }
}

const char *hamd_server_version(const hamd_client *client) { return client ? client->version.c_str() : ""; }

void hamd_disconnect(hamd_client *client) { delete client; }

int hamd_session_open(hamd_client *client, int n_atoms, const int *atomic_numbers,
                      const hamd_session_options *options, hamd_session **out) {
  return hamd_session_open_contributing(client, n_atoms, atomic_numbers, nullptr, options, out);
}

int hamd_session_open_contributing(hamd_client *client, int n_atoms, const int *atomic_numbers,
                                   const int *contributing, const hamd_session_options *options,
                                   hamd_session **out) {
  if (!client || !out || (n_atoms > 0 && !atomic_numbers) || n_atoms < 0)
    return fail(HAMD_INVALID_ARGUMENT, "hamd_session_open: NULL client, session or atomic numbers, or n_atoms < 0");
  *out = nullptr;
  hamd_session_options defaults;
  hamd_session_options_init(&defaults);
  if (!options) options = &defaults;
  auto session = std::make_unique<hamd_session>();
  session->client = client;
  session->n_atoms = n_atoms;
  session->outputs = options->outputs ? options->outputs : HAMD_ENERGY | HAMD_FORCES;
  session->hartree = options->units && std::strcmp(options->units, "hartree") == 0;
  session->forces.assign(static_cast<size_t>(n_atoms) * 3, 0.0);
  session->energies.assign(static_cast<size_t>(n_atoms), 0.0);
  pb::SessionRequest request;
  pb::SessionOpen *open = request.mutable_open();
  for (int i = 0; i < n_atoms; ++i) open->add_atomic_numbers(atomic_numbers[i]);
  if (options->cell) {
    std::memcpy(session->cell, options->cell, sizeof session->cell);
    write_f64(open->mutable_cell(), options->cell, {3, 3});
  }
  if (options->pbc) {
    for (int i = 0; i < 3; ++i) {
      open->add_pbc(options->pbc[i] != 0);
      session->periodic = session->periodic || options->pbc[i] != 0;
    }
  }
  if (session->outputs & HAMD_ENERGY) open->add_outputs("energy");
  if (session->outputs & HAMD_FORCES) open->add_outputs("forces");
  if (session->outputs & HAMD_STRESS) open->add_outputs("stress");
  if (session->outputs & HAMD_ENERGY_UNCERTAINTY) open->add_outputs("energy_uncertainty");
  if (session->outputs & HAMD_ENERGIES) open->add_outputs("energies");
  if (contributing)
    for (int i = 0; i < n_atoms; ++i) open->add_contributing(contributing[i] != 0);
  if (options->model) open->set_model(options->model);
  if (options->units) open->set_units(options->units);
  if (options->skin >= 0) open->set_skin(options->skin);
  session->step_timeout_s = options->timeout_s > 0 ? options->timeout_s : 0.0;
  const double open_timeout_s = options->timeout_s > 0 ? options->timeout_s : 60.0;
  try {
    std::string path;
    bool insist = false;
    int code = session_socket_path(client, &path, &insist);
    if (code != HAMD_OK) return code;
    if (!path.empty()) {
      session->socket = std::make_unique<hamd_c::FrameSocket>();
      if (!session->socket->connect(path)) {
        // Nothing sent yet: "auto" falls back on the stream (e.g. a client that reaches the
        // daemon's socket under another path, in a container); "socket" says why it cannot.
        if (insist)
          return fail(HAMD_UNAVAILABLE, "cannot reach the daemon's session socket " + path + ": " +
                                            session->socket->error());
        session->socket.reset();
      }
    }
    if (!session->socket) {
      session->context = std::make_unique<grpc::ClientContext>();
      client->authorize(*session->context);
      session->stream = client->stub->Session(session->context.get());
      session->watchdog = std::make_unique<hamd_c::StepWatchdog>(session->context.get());
    }
    code = exchange(session.get(), request, "opening the session", open_timeout_s);
    if (session->step_timeout_s == 0) session->watchdog.reset();  // steps without a limit: no thread
    if (code != HAMD_OK) return code;
    if (!session->response.has_opened()) return fail(HAMD_INTERNAL, "opening the session: no `opened` answer");
    session->hartree = session->response.opened().energy_units() == "hartree";
    session->cutoff = session->response.opened().cutoff();
  } catch (const std::exception &error) {
    return fail(HAMD_INTERNAL, std::string("hamd_session_open: ") + error.what());
  }
  // Positions buffer of the reused step message.
  pb::Array *positions = session->request.mutable_step()->mutable_positions();
  positions->set_dtype("<f8");
  positions->add_shape(n_atoms);
  positions->add_shape(3);
  positions->mutable_data()->resize(static_cast<size_t>(n_atoms) * 3 * sizeof(double));  // each step writes into it
  *out = session.release();
  return HAMD_OK;
}

int hamd_step(hamd_session *session, const double *positions, const double *cell) {
  if (!session || !positions) return fail(HAMD_INVALID_ARGUMENT, "hamd_step: NULL session or positions");
  if (!session_live(session)) return fail(HAMD_FAILED_PRECONDITION, "hamd_step: the session has ended: " + last_error);
  session->have = false;
  pb::SessionStep *step = session->request.mutable_step();
  step->mutable_positions()->set_data(reinterpret_cast<const char *>(positions),
                                      static_cast<size_t>(session->n_atoms) * 3 * sizeof(double));
  if (cell) {
    write_f64(step->mutable_cell(), cell, {3, 3});
  } else {
    step->clear_cell();
  }
  int code = exchange(session, session->request, "step", session->step_timeout_s);
  if (code != HAMD_OK) return code;
  if (!session->response.has_result()) return fail(HAMD_INTERNAL, "step: no `result` answer");
  const pb::SessionResult &result = session->response.result();
  if (result.error_code() != 0) return fail(result.error_code(), "step: " + result.error_message());
  if (cell) std::memcpy(session->cell, cell, sizeof session->cell);
  const pb::StructurePrediction &prediction = result.prediction();
  session->compute_us = result.compute_us() + result.queue_us();
  if (session->outputs & HAMD_ENERGY) session->energy = prediction.energy();
  if (session->outputs & HAMD_ENERGY_UNCERTAINTY) session->sigma = prediction.energy_uncertainty();
  if ((session->outputs & HAMD_FORCES) &&
      !read_f64(prediction.forces(), session->forces.size(), session->forces.data()))
    return fail(HAMD_INTERNAL, "step: forces of an unexpected dtype or shape");
  if ((session->outputs & HAMD_ENERGIES) &&
      !read_f64(prediction.energies(), session->energies.size(), session->energies.data()))
    return fail(HAMD_INTERNAL, "step: per-atom energies of an unexpected dtype or shape");
  if ((session->outputs & HAMD_STRESS) && !read_f64(prediction.stress(), 9, session->stress))
    return fail(HAMD_INTERNAL, "step: stress of an unexpected dtype or shape");
  session->have = true;
  return HAMD_OK;
}

static int result_check(const hamd_session *session, int output, const char *name, const void *out) {
  if (!session || !out) return fail(HAMD_INVALID_ARGUMENT, std::string(name) + ": NULL argument");
  if (!(session->outputs & output))
    return fail(HAMD_INVALID_ARGUMENT, std::string(name) + ": the session was not opened with this output");
  if (!session->have) return fail(HAMD_FAILED_PRECONDITION, std::string(name) + ": no successful step yet");
  return HAMD_OK;
}

int hamd_energy(const hamd_session *session, double *energy) {
  int code = result_check(session, HAMD_ENERGY, "hamd_energy", energy);
  if (code == HAMD_OK) *energy = session->energy;
  return code;
}

int hamd_forces(const hamd_session *session, double *forces) {
  int code = result_check(session, HAMD_FORCES, "hamd_forces", forces);
  if (code == HAMD_OK) std::memcpy(forces, session->forces.data(), session->forces.size() * sizeof(double));
  return code;
}

int hamd_stress(const hamd_session *session, double *stress) {
  int code = result_check(session, HAMD_STRESS, "hamd_stress", stress);
  if (code == HAMD_OK) std::memcpy(stress, session->stress, sizeof session->stress);
  return code;
}

int hamd_virial(const hamd_session *session, double *virial) {
  int code = result_check(session, HAMD_STRESS, "hamd_virial", virial);
  if (code != HAMD_OK) return code;
  const double *c = session->cell;
  double volume = std::fabs(c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                            c[2] * (c[3] * c[7] - c[4] * c[6]));
  if (session->hartree) volume /= BOHR_ANGSTROM * BOHR_ANGSTROM * BOHR_ANGSTROM;
  for (int i = 0; i < 9; ++i) virial[i] = -session->stress[i] * volume;
  return HAMD_OK;
}

int hamd_energy_uncertainty(const hamd_session *session, double *sigma) {
  int code = result_check(session, HAMD_ENERGY_UNCERTAINTY, "hamd_energy_uncertainty", sigma);
  if (code == HAMD_OK) *sigma = session->sigma;
  return code;
}

int hamd_energies(const hamd_session *session, double *energies) {
  int code = result_check(session, HAMD_ENERGIES, "hamd_energies", energies);
  if (code == HAMD_OK) std::memcpy(energies, session->energies.data(), session->energies.size() * sizeof(double));
  return code;
}

int hamd_session_cutoff(const hamd_session *session, double *cutoff) {
  if (!session || !cutoff) return fail(HAMD_INVALID_ARGUMENT, "hamd_session_cutoff: NULL argument");
  *cutoff = session->cutoff;
  return HAMD_OK;
}

double hamd_compute_us(const hamd_session *session) { return session ? session->compute_us : 0.0; }

int hamd_session_close(hamd_session *session) {
  if (!session) return HAMD_OK;
  std::unique_ptr<hamd_session> owned(session);
  if (owned->socket) return owned->socket->is_open() ? close_socket_session(owned.get()) : HAMD_OK;
  if (!owned->stream) return HAMD_OK;
  try {
    pb::SessionRequest request;
    request.mutable_close();
    if (owned->stream->Write(request)) {
      owned->stream->WritesDone();
      while (owned->stream->Read(&owned->response)) {
      }
    }
    grpc::Status status = owned->stream->Finish();
    if (!status.ok()) return fail_status(status, "closing the session");
  } catch (const std::exception &error) {
    return fail(HAMD_INTERNAL, std::string("hamd_session_close: ") + error.what());
  }
  return HAMD_OK;
}

int hamd_set_session_transport(hamd_client *client, const char *transport) {
  if (!client) return fail(HAMD_INVALID_ARGUMENT, "hamd_set_session_transport: NULL client");
  std::string name = transport ? transport : "";
  if (!name.empty() && !valid_transport(name))
    return fail(HAMD_INVALID_ARGUMENT, "hamd_set_session_transport: \"" + name + "\" is not auto, socket or grpc");
  client->transport = name;
  return HAMD_OK;
}

const char *hamd_session_transport(const hamd_session *session) {
  if (!session) return "";
  return session->socket ? "socket" : "grpc";
}

}  // extern "C"
