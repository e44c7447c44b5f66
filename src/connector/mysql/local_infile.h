// LOAD DATA LOCAL INFILE without handing any server a local file.
//
// In the LOCAL INFILE exchange it is the *server* that names the file the
// client sends, and it may do so in reply to any query: MariaDB
// Connector/C's default handler opens whatever name comes back. A server
// Godwit connects to (any API client can point a project at one), or anyone
// on the unencrypted path, could thereby read every file the daemon can:
// the metadata database with every project's password, the API token, SSH
// keys. So every MYSQL handle Godwit opens is set up here:
//
//   connection       announced to the server   client accepts a file request
//   lease, binlog    no                        never
//   session          yes (LOAD DATA LOCAL      only while a StreamGrant lives,
//                    needs it)                 in reply to its LOAD statement
//                                              (mode AUTO), and only for
//                                              kInfileStreamName
//
// and none ever has the default, file-opening handler: outside a grant the
// handler refuses every name, and a grant serves the caller's bytes from
// memory, never a file.
//
// Thread-safety: as the MYSQL handle's (one thread at a time).
#pragma once

#include <mysql.h>

#include <string>

namespace godwit::mysql {

// The name Godwit's LOAD DATA statements ask for; the only name a grant
// answers.
inline constexpr char kInfileStreamName[] = "godwit-stream";

enum class LocalInfile {
  kOff,        // the connection never loads
  kAnnounced,  // the server is told the client can send local data
};

// Between mysql_init and mysql_real_connect. Either way the client refuses
// every file request from then on; with kAnnounced, call RefuseFileRequests
// once connected (the announcement is made at connect time).
void SetUpLocalInfile(MYSQL* m, LocalInfile mode);

// The client refuses every file request ("Load data local infile
// forbidden", CR_UNKNOWN_ERROR) without looking at the name.
void RefuseFileRequests(MYSQL* m);

// The bytes one LOAD DATA LOCAL INFILE statement sends.
class InfileStream {
 public:
  virtual ~InfileStream() = default;
  // Copies up to `len` bytes into `buf`: their count, 0 at the end, -1 on a
  // failure (which the stream keeps for its owner to report).
  virtual int Read(char* buf, unsigned int len) = 0;
};

// While it lives, `m` answers a file request that comes in reply to a
// statement starting with LOAD, for kInfileStreamName only, with `stream`'s
// bytes. A request for any other name is refused (refused_name() tells
// which). Destruction returns `m` to RefuseFileRequests. The handle must
// have been set up with LocalInfile::kAnnounced (else the server refuses
// LOAD DATA LOCAL itself).
class StreamGrant {
 public:
  StreamGrant(MYSQL* m, InfileStream& stream);
  ~StreamGrant();
  StreamGrant(const StreamGrant&) = delete;
  StreamGrant& operator=(const StreamGrant&) = delete;

  // The name the server asked for instead of kInfileStreamName (at most 200
  // bytes of it); empty when it asked for none or for the stream.
  const std::string& refused_name() const { return refused_name_; }

 private:
  static int Init(void** ptr, const char* name, void* userdata);
  static int Read(void* ptr, char* buf, unsigned int len);
  static void End(void* ptr);
  static int Error(void* ptr, char* msg, unsigned int len);

  MYSQL* m_;
  InfileStream& stream_;
  std::string refused_name_;
};

}  // namespace godwit::mysql
