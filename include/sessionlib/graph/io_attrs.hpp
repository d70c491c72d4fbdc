// The attribute families of the string and reader ops (ops/string.hpp,
// ops/reader.hpp; graph/attrs.hpp says how families work). Fields carry TF's
// attribute names.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "attrs.hpp"

namespace sessionlib {

/// DecodeRaw: whether the bytes are little-endian (TF's little_endian; out_type is the node's dtype).
struct decode_raw_attrs {
  static constexpr const char* family = "DecodeRaw";
  bool little_endian = true;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("little_endian", &decode_raw_attrs::little_endian)}; }
  friend bool operator==(const decode_raw_attrs&, const decode_raw_attrs&) = default;
};

/// DecodeCSV: TF's field_delim (one character), use_quote_delim and na_value;
/// OUT_TYPE is the node's output dtypes, record_defaults its inputs 1..n.
struct decode_csv_attrs {
  static constexpr const char* family = "DecodeCSV";
  std::string field_delim = ",";
  bool use_quote_delim = true;
  std::string na_value{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("field_delim", &decode_csv_attrs::field_delim),
                      attr_field("use_quote_delim", &decode_csv_attrs::use_quote_delim),
                      attr_field("na_value", &decode_csv_attrs::na_value)};
  }
  friend bool operator==(const decode_csv_attrs&, const decode_csv_attrs&) = default;
};

/// TFRecordReaderV2, IdentityReaderV2 (and WholeFileReaderV2): TF's container
/// and shared_name (a non-empty one shares the reader, as queues are shared).
struct reader_attrs {
  static constexpr const char* family = "Reader";
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("container", &reader_attrs::container),
                      attr_field("shared_name", &reader_attrs::shared_name)};
  }
  friend bool operator==(const reader_attrs&, const reader_attrs&) = default;
};

/// FixedLengthRecordReaderV2: a header to skip, records of record_bytes each
/// (hop_bytes apart; 0: record_bytes), a footer to leave.
struct fixed_length_record_reader_attrs {
  static constexpr const char* family = "FixedLengthRecordReaderV2";
  std::int64_t header_bytes = 0;
  std::int64_t record_bytes = 0;
  std::int64_t footer_bytes = 0;
  std::int64_t hop_bytes = 0;
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    using A = fixed_length_record_reader_attrs;
    return std::tuple{attr_field("header_bytes", &A::header_bytes), attr_field("record_bytes", &A::record_bytes),
                      attr_field("footer_bytes", &A::footer_bytes), attr_field("hop_bytes", &A::hop_bytes),
                      attr_field("container", &A::container), attr_field("shared_name", &A::shared_name)};
  }
  friend bool operator==(const fixed_length_record_reader_attrs&, const fixed_length_record_reader_attrs&) = default;
};

/// IdxRecordReader (sessionlib's own op): the record size every file must
/// have, in bytes (0: whatever each file's IDX header says).
struct idx_record_reader_attrs {
  static constexpr const char* family = "IdxRecordReader";
  std::int64_t record_bytes = 0;
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    using A = idx_record_reader_attrs;
    return std::tuple{attr_field("record_bytes", &A::record_bytes), attr_field("container", &A::container),
                      attr_field("shared_name", &A::shared_name)};
  }
  friend bool operator==(const idx_record_reader_attrs&, const idx_record_reader_attrs&) = default;
};

/// TextLineReaderV2: the lines skipped at the start of each file.
struct text_line_reader_attrs {
  static constexpr const char* family = "TextLineReaderV2";
  std::int64_t skip_header_lines = 0;
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    using A = text_line_reader_attrs;
    return std::tuple{attr_field("skip_header_lines", &A::skip_header_lines),
                      attr_field("container", &A::container), attr_field("shared_name", &A::shared_name)};
  }
  friend bool operator==(const text_line_reader_attrs&, const text_line_reader_attrs&) = default;
};

/// ReaderReadUpToV2: at most num_records records per run (TF's input num_records).
struct read_up_to_attrs {
  static constexpr const char* family = "ReaderReadUpToV2";
  std::int64_t num_records = 1;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("num_records", &read_up_to_attrs::num_records, attr_kind::mapped)};
  }
  friend bool operator==(const read_up_to_attrs&, const read_up_to_attrs&) = default;
};

/// InputProducerEpoch (sessionlib's own op, TF's limit_epochs and
/// random_shuffle in one): how many epochs (0: no limit), whether each epoch
/// is shuffled, and the seeds (TF's rule, ops/queue.hpp's queue_seeds).
struct input_producer_attrs {
  static constexpr const char* family = "InputProducerEpoch";
  std::int64_t num_epochs = 0;
  bool shuffle = false;
  std::int64_t seed = 0;
  std::int64_t seed2 = 0;
  template <class = void>
  static constexpr auto fields() {
    using A = input_producer_attrs;
    return std::tuple{attr_field("num_epochs", &A::num_epochs), attr_field("shuffle", &A::shuffle),
                      attr_field("seed", &A::seed), attr_field("seed2", &A::seed2)};
  }
  friend bool operator==(const input_producer_attrs&, const input_producer_attrs&) = default;
};

}  // namespace sessionlib
