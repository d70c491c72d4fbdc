// Readers at run time: TF's FixedLengthRecordReader, TextLineReader,
// TFRecordReader and IdentityReader (and sessionlib's IdxRecordReader) as one resource of a session
// (runtime/state.hpp), with TF's ReaderBase semantics and messages
// (tensorflow/core/framework/reader_base.cc and the readers' *_op.cc files,
// tsl/lib/io/record_reader.cc).
//
// A read takes the reader's turn, then, when no file is in progress, dequeues
// the next work item (a file name) from the queue given, waiting as a
// dequeue waits (RunOptions::timeout, Session::close). A file's records come
// out one per read with key "<file>:<n>" (n: the record index; the 1-based
// line number for text lines; the byte offset for TFRecords; the file name
// itself for IdentityReader; the record index for IDX files, whose header gives
// the record size). At a file's end the work unit is completed and
// the next read moves on. An error leaves the reader where it was: a damaged
// TFRecord fails every read of it with sl::data_loss.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <zlib.h>

#include "../config.hpp"
#include "../core/crc32c.hpp"
#include "kernels/string.hpp"
#include "queue.hpp"

namespace sessionlib {

/// The reader kinds of TF.
enum class reader_kind : std::uint8_t { fixed_length_record, text_line, tf_record, identity, idx };

/// What a reader is: its kind and its kind's parameters.
struct reader_spec {
  reader_kind kind = reader_kind::identity;
  std::int64_t header_bytes = 0, record_bytes = 0, footer_bytes = 0, hop_bytes = 0;  // fixed_length_record
  // idx: record_bytes > 0 is what every file's records must hold (0: what its header says)
  std::int64_t skip_header_lines = 0;                                                // text_line
  std::string op{};    // the reader node's op type ("TFRecordReaderV2"), for messages
  std::string name{};  // the shared_name; empty: private to the node's session
  friend bool operator==(const reader_spec&, const reader_spec&) = default;
};

/// One reader's state in one session: the work unit in progress, the open
/// file and the position in it, and the counts TF's ReaderBase keeps.
class reader_resource final : public session_resource {
 public:
  explicit reader_resource(reader_spec spec) : spec_(std::move(spec)) {}

  /// What the reader is (kind, attributes, shared_name).
  const reader_spec& spec() const noexcept { return spec_; }

  /// Wakes the reads waiting for their turn (Session::close cancels them).
  void wake_all() noexcept override {
    std::lock_guard lock(m_);
    cv_.notify_all();
  }

  /// One record: dequeues file names from `q` while none is in progress.
  SESSIONLIB_INLINE void read(queue_resource& q, const queue_wait& w, std::string& key, std::string& value) {
    turn mine(*this, w);
    for (;;) {
      next_work(q, w);
      bool produced = false, at_end = false;
      read_record(key, value, produced, at_end, w.node);
      if (at_end) end_work();
      if (produced) {
        records_produced_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
  }

  /// TF's ReadUpTo: at most `n` records (n >= 1) appended to `keys` and
  /// `values`, fewer when a file ends after at least one (the next call goes
  /// on with the next file). Dequeues a file name only before the first
  /// record, so a closed queue fails the call (sl::out_of_range) with nothing
  /// read, never after records were taken.
  SESSIONLIB_INLINE void read_up_to(queue_resource& q, const queue_wait& w, std::int64_t n, std::vector<std::string>& keys,
                                    std::vector<std::string>& values) {
    turn mine(*this, w);
    std::int64_t got = 0;
    std::string key, value;
    while (got < n) {
      next_work(q, w);
      bool produced = false, at_end = false;
      read_record(key, value, produced, at_end, w.node);
      if (produced) {
        keys.push_back(std::move(key));
        values.push_back(std::move(value));
        ++got;
        records_produced_.fetch_add(1, std::memory_order_relaxed);
      }
      if (at_end) {
        end_work();
        if (got > 0) return;
      }
    }
  }

  /// TF's ReaderNumRecordsProduced: records read since the start or the last
  /// reset. (Counts are atomic, so asking never waits behind a blocked read.)
  std::int64_t num_records_produced() const noexcept { return records_produced_.load(std::memory_order_relaxed); }
  /// TF's ReaderNumWorkUnitsCompleted: files read to their end.
  std::int64_t num_work_units_completed() const noexcept { return work_finished_.load(std::memory_order_relaxed); }
  /// TF's ReaderReset: back to the state of a new reader, after the reads in progress.
  SESSIONLIB_INLINE void reset(const queue_wait& w) {
    turn mine(*this, w);
    finish_work();
    work_.clear();
    work_started_ = 0;
    work_finished_.store(0, std::memory_order_relaxed);
    records_produced_.store(0, std::memory_order_relaxed);
  }

 private:
  /// Starts the next work unit (a file name from `q`, waiting as a dequeue
  /// waits) when none is in progress.
  SESSIONLIB_INLINE void next_work(queue_resource& q, const queue_wait& w) {
    if (work_finished_.load(std::memory_order_relaxed) != work_started_) return;
    auto got = q.dequeue(1, false, false, w);
    work_ = got[0].parts[0].scalar<std::string>();
    start_work(w.node);  // throws with the work not started: the next read takes the next file
    ++work_started_;
  }
  /// The work unit in progress is read to its end.
  SESSIONLIB_INLINE void end_work() {
    finish_work();
    work_finished_.store(work_started_, std::memory_order_relaxed);
  }

  struct closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  struct gz_closer {
    void operator()(gzFile f) const noexcept { gzclose(f); }
  };

  /// The reader's turn: one read (or reset) at a time, as TF's reader mutex;
  /// waiting for it is bounded by the run's deadline and ends when the session
  /// closes. (A flag and a condition variable: ThreadSanitizer does not see
  /// std::timed_mutex's clock-based waits.)
  struct turn {
    reader_resource& r;
    turn(reader_resource& res, const queue_wait& w) : r(res) { r.take_turn(w); }
    ~turn() {
      {
        std::lock_guard lock(r.m_);
        r.busy_ = false;
      }
      r.cv_.notify_all();
    }
    turn(const turn&) = delete;
    turn& operator=(const turn&) = delete;
  };
  SESSIONLIB_INLINE void take_turn(const queue_wait& w) {
    std::unique_lock lock(m_);
    for (;;) {
      if (!busy_) {
        busy_ = true;
        return;
      }
      if (w.cancelled && w.cancelled->load(std::memory_order_acquire))
        throw cancelled("Read operation was cancelled", std::string(w.node));
      if (w.deadline == std::chrono::steady_clock::time_point::max()) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, w.deadline) == std::cv_status::timeout &&
                 std::chrono::steady_clock::now() >= w.deadline) {
        throw deadline_exceeded("Timed out waiting for the run to finish (RunOptions::timeout of " +
                                    std::to_string(w.timeout.count()) + " ms): node " + std::string(w.node) +
                                    " was waiting for its reader",
                                std::string(w.node));
      }
    }
  }

  SESSIONLIB_INLINE void start_work(std::string_view node) {
    index_ = 0;
    offset_ = 0;
    if (spec_.kind == reader_kind::identity) return;
    if (spec_.kind == reader_kind::idx) return start_idx(node);
    file_.reset(std::fopen(work_.c_str(), "rb"));
    if (!file_) detail::throw_file_error(work_, errno, std::string(node));
    if (spec_.kind == reader_kind::fixed_length_record || spec_.kind == reader_kind::tf_record) {
      std::int64_t size = 0;
      if (std::fseek(file_.get(), 0, SEEK_END) != 0 || (size = std::ftell(file_.get())) < 0)
        detail::throw_file_error(work_, errno, std::string(node));
      limit_ = size;
      if (spec_.kind == reader_kind::fixed_length_record) {
        limit_ -= spec_.footer_bytes;
        offset_ = spec_.header_bytes;
      }
    } else if (spec_.kind == reader_kind::text_line) {
      std::string line;
      for (; index_ < spec_.skip_header_lines; ++index_)
        if (!read_line(line, node)) return;  // TF: a file shorter than its header is skipped
    }
  }

  void finish_work() noexcept {
    file_.reset();
    gz_.reset();
  }

  /// An IDX file (data/idx.hpp's format, gzip'd or plain): its header, checked
  /// as data::read_idx checks it, gives the record count (the first
  /// dimension) and the record size (the product of the others, in bytes).
  SESSIONLIB_INLINE void start_idx(std::string_view node) {
    const std::string n(node);
    errno = 0;
    gz_.reset(gzopen(work_.c_str(), "rb"));
    if (!gz_) detail::throw_file_error(work_, errno ? errno : ENOMEM, n);
    gzbuffer(gz_.get(), 1 << 17);
    unsigned char magic[4];
    gz_read_exact(magic, 4, "its header", n);
    if (magic[0] != 0 || magic[1] != 0) throw data_loss("Not an IDX file: '" + work_ + "' (bad magic number)", n);
    if (magic[2] != 0x08)
      throw data_loss("IDX file '" + work_ + "' holds type code 0x" + std::string{"0123456789abcdef"[magic[2] >> 4]} +
                          "0123456789abcdef"[magic[2] & 15] + ", not unsigned bytes (0x08)",
                      n);
    if (magic[3] == 0) throw data_loss("IDX file '" + work_ + "' has rank 0: it holds no records", n);
    std::int64_t bytes = 1;
    for (int i = 0; i < magic[3]; ++i) {
      unsigned char b[4];
      gz_read_exact(b, 4, "its header", n);
      const std::int64_t d = std::int64_t{b[0]} << 24 | std::int64_t{b[1]} << 16 | std::int64_t{b[2]} << 8 | b[3];
      if (i == 0) {
        limit_ = d;
      } else {
        if (d != 0 && bytes > max_idx_record / d)  // a damaged header must not make a read allocate gigabytes
          throw data_loss("Corrupted IDX file '" + work_ + "': its header claims records of more than " +
                              std::to_string(max_idx_record) + " bytes",
                          n);
        bytes *= d;
      }
    }
    if (spec_.record_bytes > 0 && bytes != spec_.record_bytes)
      throw data_loss("IDX file '" + work_ + "' holds records of " + std::to_string(bytes) + " bytes, not " +
                          std::to_string(spec_.record_bytes),
                      n);
    idx_record_bytes_ = bytes;
  }

  /// Exactly n bytes of the IDX file; sl::data_loss naming the file and `what`
  /// when it ends early or fails gzip's checks.
  SESSIONLIB_INLINE void gz_read_exact(void* out, std::size_t n, std::string_view what, const std::string& node) {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
      const int got = gzread(gz_.get(), p, static_cast<unsigned>(n));
      if (got < 0) {
        int code = 0;
        const char* msg = gzerror(gz_.get(), &code);
        throw data_loss("Corrupted IDX file '" + work_ + "' while reading " + std::string(what) + ": " +
                            (msg ? msg : "gzip error"),
                        node);
      }
      if (got == 0) throw data_loss("Truncated IDX file '" + work_ + "': it ends inside " + std::string(what), node);
      p += got;
      n -= static_cast<std::size_t>(got);
    }
  }

  SESSIONLIB_INLINE void read_record(std::string& key, std::string& value, bool& produced, bool& at_end,
                                     std::string_view node) {
    switch (spec_.kind) {
      case reader_kind::identity:
        key = work_;
        value = work_;
        produced = at_end = true;
        return;
      case reader_kind::text_line: {
        const bool got = read_line(value, node);
        ++index_;
        if (!got) {
          at_end = true;
          return;
        }
        key = work_ + ":" + std::to_string(index_);
        produced = true;
        return;
      }
      case reader_kind::fixed_length_record: {
        const std::int64_t hop = spec_.hop_bytes > 0 ? spec_.hop_bytes : spec_.record_bytes;
        if (offset_ + spec_.record_bytes > limit_) {
          at_end = true;
          return;
        }
        value.resize(static_cast<std::size_t>(spec_.record_bytes));
        if (std::fseek(file_.get(), offset_, SEEK_SET) != 0 ||
            std::fread(value.data(), 1, value.size(), file_.get()) != value.size())
          detail::throw_file_error(work_, std::ferror(file_.get()) ? errno : EIO, std::string(node));
        key = work_ + ":" + std::to_string(index_++);
        offset_ += hop;
        produced = true;
        return;
      }
      case reader_kind::idx: {
        if (index_ == limit_) {  // all the header's records: nothing may follow
          char extra;
          const int r = gzread(gz_.get(), &extra, 1);  // also where a damaged gzip trailer shows
          if (r > 0) throw data_loss("IDX file '" + work_ + "' has bytes past its data", std::string(node));
          int code = Z_OK;
          const char* msg = gzerror(gz_.get(), &code);
          if (r < 0 || code != Z_OK)
            throw data_loss("Corrupted IDX file '" + work_ + "': " + (msg ? msg : "gzip error"), std::string(node));
          at_end = true;
          return;
        }
        value.resize(static_cast<std::size_t>(idx_record_bytes_));
        gz_read_exact(value.data(), value.size(), "record " + std::to_string(index_), std::string(node));
        key = work_ + ":" + std::to_string(index_++);
        produced = true;
        return;
      }
      case reader_kind::tf_record: {
        key = work_ + ":" + std::to_string(offset_);
        if (!read_tf_record(value, node)) {
          at_end = true;
          return;
        }
        produced = true;
        return;
      }
    }
  }

  /// One line without its '\n' (and one '\r' before it), as TF's
  /// InputBuffer::ReadLine; false at the end of the file.
  SESSIONLIB_INLINE bool read_line(std::string& line, std::string_view node) {
    line.clear();
    int c;
    bool any = false;
    while ((c = std::getc(file_.get())) != EOF) {
      any = true;
      if (c == '\n') break;
      line.push_back(static_cast<char>(c));
    }
    if (std::ferror(file_.get())) detail::throw_file_error(work_, errno, std::string(node));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return any;
  }

  /// n bytes and their masked CRC-32C at `at` (TF's ReadChecksummed): false at
  /// the end of the file; sl::data_loss for a short read or a wrong checksum.
  SESSIONLIB_INLINE bool read_checksummed(std::uint64_t at, std::size_t n, std::string& out, std::string_view node) {
    const char* suffix = at == 0 ? " (Is this even a TFRecord file?)" : "";
    out.resize(n + 4);
    const std::size_t got = std::fread(out.data(), 1, n + 4, file_.get());
    if (got != n + 4) {
      if (std::ferror(file_.get())) detail::throw_file_error(work_, errno, std::string(node));
      if (got == 0) return false;
      throw data_loss("truncated record at " + std::to_string(at) + suffix, std::string(node));
    }
    const auto masked = load32(out.data() + n);
    if (crc32c::unmask(masked) != crc32c::value(std::string_view(out.data(), n)))
      throw data_loss("corrupted record at " + std::to_string(at) + suffix, std::string(node));
    out.resize(n);
    return true;
  }

  /// One TFRecord at offset_ (uint64 length, masked CRC of the length, data,
  /// masked CRC of the data); offset_ moves past it only when it was whole.
  SESSIONLIB_INLINE bool read_tf_record(std::string& value, std::string_view node) {
    if (std::fseek(file_.get(), static_cast<long>(offset_), SEEK_SET) != 0)
      detail::throw_file_error(work_, errno, std::string(node));
    std::string header;
    if (!read_checksummed(offset_, 8, header, node)) return false;
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(header[static_cast<std::size_t>(i)]);
    // What TF's reads of the data would report, without allocating a length
    // the file cannot hold: nothing left is TF's rewritten end of file, a
    // part of the data a truncated record.
    const auto left = static_cast<std::uint64_t>(limit_ - (offset_ + 12));
    if (left == 0)
      throw data_loss("truncated record at " + std::to_string(offset_) + "' failed with eof", std::string(node));
    if (length > left || left - length < 4) throw data_loss("truncated record at " + std::to_string(offset_ + 12), std::string(node));
    read_checksummed(offset_ + 12, static_cast<std::size_t>(length), value, node);
    offset_ += 12 + length + 4;
    return true;
  }

  static std::uint32_t load32(const char* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
  }

  static constexpr std::int64_t max_idx_record = std::int64_t{1} << 28;  // 256 MiB

  reader_spec spec_;
  std::mutex m_;
  std::condition_variable cv_;
  bool busy_ = false;  // a read or reset has the turn; what follows is its own until it ends
  std::string work_;
  std::unique_ptr<std::FILE, closer> file_;
  std::unique_ptr<gzFile_s, gz_closer> gz_;  // an IDX file, gzip'd or plain
  std::int64_t idx_record_bytes_ = 0;         // its records' size, from its header
  std::int64_t work_started_ = 0;
  std::atomic<std::int64_t> work_finished_{0}, records_produced_{0};
  std::int64_t index_ = 0;   // record index (fixed length) or line number (text lines)
  std::int64_t offset_ = 0;  // byte offset of the next record (fixed length, TFRecord)
  std::int64_t limit_ = 0;   // where records end: the file's size (TFRecord), the footer's start (fixed length),
                             // the record count (IDX)
};

}  // namespace sessionlib
