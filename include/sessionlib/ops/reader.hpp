// Readers (tf.compat.v1.FixedLengthRecordReader, TextLineReader,
// TFRecordReader, IdentityReader, and sessionlib's IdxRecordReader): records out of the files whose names a
// queue of strings holds, one (key, value) pair of string scalars per read.
//
//     sl::FIFOQueue<std::string, sl::shape<>> files(g, 32);   // or sl::train::string_input_producer
//     sl::TextLineReader reader(g, /*skip_header_lines=*/1);
//     auto [key, line] = reader.read(files);                   // "data.csv:2", "1.5,2"
//     sess.run(reader.num_records_produced());                 // int64
//
// A reader's state (the file in progress, the position in it, its counts)
// lives in each session (runtime/reader.hpp). A read waits for a file name as
// a dequeue waits, bounded by RunOptions::timeout and cancelled by
// Session::close; once the queue is closed and drained, it fails with the
// queue's sl::out_of_range, which ends an input loop as in TF.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../graph/io_attrs.hpp"
#include "../runtime/kernels/reader.hpp"
#include "queue.hpp"

namespace sessionlib {

namespace report {
template <class Q>
constexpr void reader_needs_string_queue() {
  // Q is the queue given; a reader reads file names from a queue of one scalar string component.
  static_assert(always_false<Q>,
                "sessionlib: read: the queue must hold file names: sl::FIFOQueue<std::string, sl::shape<>> (or another "
                "queue of one scalar string)");
}
}  // namespace report

namespace detail {
template <queue_kind K, bool S>
std::true_type is_string_queue(const basic_queue<K, std::tuple<std::string>, std::tuple<shape<>>, S>*);
std::false_type is_string_queue(...);
}  // namespace detail

/// A queue of file names: a typed queue of one scalar string component.
template <class Q>
concept FilenameQueue = decltype(detail::is_string_queue(static_cast<const Q*>(nullptr)))::value;

/// Options every reader takes (TF's keyword arguments).
struct reader_options {
  std::string name{};         // the reader op's name; "" -> TF's op type ("TextLineReaderV2", ...)
  std::string shared_name{};  // non-empty: one reader for every node and session of the process naming it
  std::string container{};
};

/// What every reader does (TF's tf.compat.v1.ReaderBase): a small handle on the reader's node.
class ReaderBase {
 public:
  ReaderBase() = default;
  Graph& graph() const noexcept { return *g_; }
  /// The reader's node: its output stands for TF's reader_ref.
  node_id id() const noexcept { return id_; }
  /// The reader op's name.
  const std::string& name() const { return g_->at(id_).name; }

  /// The next record (ReaderReadV2): its key ("<file>:<record>") and value,
  /// string scalars. File names come from `queue` when the reader needs one.
  template <class Q>
  std::tuple<Tensor<std::string, shape<>>, Tensor<std::string, shape<>>> read(const Q& queue,
                                                                               const std::string& name = "") const {
    if constexpr (!FilenameQueue<Q>) {
      report::reader_needs_string_queue<Q>();  // read file names from a sl::FIFOQueue<std::string, sl::shape<>>
      return {};
    } else {
      const node_id id = add_multi_output_node(
          *g_, {.op = "ReaderReadV2", .name = name, .inputs = {id_, queue.id()}, .kernel = kernels::reader_read_kernel,
                .stateful = true},
          {output_spec{dtype::string, {}}, output_spec{dtype::string, {}}});
      return {Tensor<std::string, shape<>>(g_, output_ref{id, 0}), Tensor<std::string, shape<>>(g_, output_ref{id, 1})};
    }
  }
  /// Up to `num_records` records at once (ReaderReadUpToV2): keys and values
  /// as string vectors of one length, fewer when a file ends after at least
  /// one record. One run instead of one per record: what a pipeline's runner
  /// feeds to an enqueue_many (sl::train::enqueue_many).
  template <class Q>
  std::tuple<Tensor<std::string, shape<dyn>>, Tensor<std::string, shape<dyn>>> read_up_to(
      const Q& queue, std::int64_t num_records, const std::string& name = "") const {
    if constexpr (!FilenameQueue<Q>) {
      report::reader_needs_string_queue<Q>();  // read file names from a sl::FIFOQueue<std::string, sl::shape<>>
      return {};
    } else {
      if (num_records < 1)
        throw invalid_argument("read_up_to: num_records must be at least 1, got " + std::to_string(num_records));
      const node_id id = add_multi_output_node(
          *g_, {.op = "ReaderReadUpToV2", .name = name, .inputs = {id_, queue.id()},
                .kernel = kernels::reader_read_up_to_kernel, .attr = {.family = read_up_to_attrs{.num_records = num_records}},
                .stateful = true},
          {output_spec{dtype::string, {dyn}}, output_spec{dtype::string, {dyn}}});
      return {Tensor<std::string, shape<dyn>>(g_, output_ref{id, 0}), Tensor<std::string, shape<dyn>>(g_, output_ref{id, 1})};
    }
  }
  /// Records this reader has produced in the session (ReaderNumRecordsProducedV2).
  Tensor<std::int64_t, shape<>> num_records_produced(const std::string& name = "") const {
    return make_tensor<std::int64_t, shape<>>(*g_, {.op = "ReaderNumRecordsProducedV2", .name = name, .inputs = {id_},
                                                    .kernel = kernels::reader_num_records_produced_kernel,
                                                    .stateful = true});
  }
  /// Files this reader has read to their end in the session (ReaderNumWorkUnitsCompletedV2).
  Tensor<std::int64_t, shape<>> num_work_units_completed(const std::string& name = "") const {
    return make_tensor<std::int64_t, shape<>>(*g_, {.op = "ReaderNumWorkUnitsCompletedV2", .name = name,
                                                    .inputs = {id_},
                                                    .kernel = kernels::reader_num_work_units_completed_kernel,
                                                    .stateful = true});
  }
  /// Back to a new reader's state: no file in progress, counts at 0 (ReaderResetV2).
  Operation reset(const std::string& name = "") const {
    return make_operation(*g_, {.op = "ReaderResetV2", .name = name, .inputs = {id_},
                                .kernel = kernels::reader_reset_kernel, .stateful = true});
  }

 protected:
  ReaderBase(Graph& g, const char* op, const reader_options& o, attr_box family)
      : g_(&g),
        id_(add_tensor_node(g, {.op = op, .name = o.name, .kernel = kernels::reader_kernel,
                                .attr = {.family = std::move(family)}, .stateful = true},
                            dtype::int32, {})) {}

  Graph* g_ = nullptr;
  node_id id_ = no_node;
};

/// Records of `record_bytes` bytes each, after a header of `header_bytes` and
/// before a footer of `footer_bytes` (TF's FixedLengthRecordReader); with
/// `hop_bytes`, records start that far apart. Keys are "<file>:<index>", from 0.
class FixedLengthRecordReader : public ReaderBase {
 public:
  FixedLengthRecordReader(Graph& g, std::int64_t record_bytes, std::int64_t header_bytes = 0,
                          std::int64_t footer_bytes = 0, std::int64_t hop_bytes = 0, const reader_options& o = {})
      : ReaderBase(g, "FixedLengthRecordReaderV2", o,
                   fixed_length_record_reader_attrs{.header_bytes = header_bytes, .record_bytes = record_bytes,
                                                    .footer_bytes = footer_bytes, .hop_bytes = hop_bytes,
                                                    .container = o.container, .shared_name = o.shared_name}) {
    if (record_bytes <= 0 || header_bytes < 0 || footer_bytes < 0 || hop_bytes < 0)
      throw invalid_argument("FixedLengthRecordReader: record_bytes must be > 0 and header_bytes, footer_bytes, "
                             "hop_bytes >= 0");
  }
};

/// The lines of each file, without their newline (TF's TextLineReader), the
/// first `skip_header_lines` of each file skipped. Keys are "<file>:<line>",
/// the line numbered from 1 (skipped lines count).
class TextLineReader : public ReaderBase {
 public:
  explicit TextLineReader(Graph& g, std::int64_t skip_header_lines = 0, const reader_options& o = {})
      : ReaderBase(g, "TextLineReaderV2", o,
                   text_line_reader_attrs{.skip_header_lines = skip_header_lines, .container = o.container,
                                          .shared_name = o.shared_name}) {}
};

/// The records of TFRecord files (TF's TFRecordReader): each a uint64 length,
/// the masked CRC-32C of the length, the data and the data's masked CRC-32C,
/// all checked; a damaged record is sl::data_loss ("corrupted record at
/// <offset>"). Keys are "<file>:<byte offset of the record>", as TF's.
class TFRecordReader : public ReaderBase {
 public:
  explicit TFRecordReader(Graph& g, const reader_options& o = {})
      : ReaderBase(g, "TFRecordReaderV2", o, reader_attrs{.container = o.container, .shared_name = o.shared_name}) {}
};

/// The records of IDX files (MNIST's format, data/idx.hpp; gzip'd or plain),
/// sessionlib's own reader: each file's header gives the record count (its
/// first dimension) and the record size (the product of the others, in bytes:
/// 784 for (60000, 28, 28) images, 1 for labels); a value is one record's
/// bytes, for decode_raw<std::uint8_t>. Keys are "<file>:<index>", from 0.
/// With `record_bytes` > 0, a file whose records have another size is
/// sl::data_loss, as is a header that is not IDX of unsigned bytes, a file
/// that ends early or has bytes past its data; each message names the file.
///
///     sl::IdxRecordReader images(g, 784), labels(g, 1);
///     auto [ik, iv] = images.read(image_files);
///     auto image = sl::cast<float>(sl::reshape<sl::shape<784>>(sl::decode_raw<std::uint8_t>(iv))) / 255.f;
class IdxRecordReader : public ReaderBase {
 public:
  explicit IdxRecordReader(Graph& g, std::int64_t record_bytes = 0, const reader_options& o = {})
      : ReaderBase(g, "IdxRecordReader", o,
                   idx_record_reader_attrs{.record_bytes = record_bytes, .container = o.container,
                                           .shared_name = o.shared_name}) {
    if (record_bytes < 0) throw invalid_argument("IdxRecordReader: record_bytes must be >= 0 (0: from each file's header)");
  }
};

/// One record per work item, key and value both the item (TF's IdentityReader).
class IdentityReader : public ReaderBase {
 public:
  explicit IdentityReader(Graph& g, const reader_options& o = {})
      : ReaderBase(g, "IdentityReaderV2", o, reader_attrs{.container = o.container, .shared_name = o.shared_name}) {}
};

}  // namespace sessionlib
