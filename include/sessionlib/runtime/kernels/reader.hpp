// Kernels of the reader ops (ops/reader.hpp). A reader's node
// (FixedLengthRecordReaderV2, ...) makes the session's reader on first use
// (runtime/reader.hpp) and outputs a scalar standing for TF's resource handle;
// every other reader op takes that node as input 0 and finds the reader by its
// id in the session, as the queue ops find their queue.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../../config.hpp"
#include "../../graph/io_attrs.hpp"
#include "../reader.hpp"
#include "queue.hpp"

namespace sessionlib::kernels {

namespace detail {
/// The run-time description of reader node `n`, from its op type and attributes.
SESSIONLIB_INLINE reader_spec reader_spec_of(const node& n) {
  reader_spec s;
  if (const auto* f = n.attr.family.find<fixed_length_record_reader_attrs>()) {
    s.kind = reader_kind::fixed_length_record;
    s.header_bytes = f->header_bytes;
    s.record_bytes = f->record_bytes;
    s.footer_bytes = f->footer_bytes;
    s.hop_bytes = f->hop_bytes;
  } else if (const auto* x = n.attr.family.find<idx_record_reader_attrs>()) {
    s.kind = reader_kind::idx;
    s.record_bytes = x->record_bytes;
  } else if (const auto* t = n.attr.family.find<text_line_reader_attrs>()) {
    s.kind = reader_kind::text_line;
    s.skip_header_lines = t->skip_header_lines;
  } else {
    s.kind = n.op == "TFRecordReaderV2" ? reader_kind::tf_record : reader_kind::identity;
  }
  return s;
}

/// The reader of reader node `id`, made on first use in this session.
SESSIONLIB_INLINE std::shared_ptr<reader_resource> reader_of(kernel_context& ctx, node_id id) {
  return ctx.state.resource<reader_resource>(id, [&] {
    const node& rn = id == ctx.self ? ctx.n : ctx.graph.at(id);
    return std::make_shared<reader_resource>(reader_spec_of(rn));
  });
}
}  // namespace detail

/// FixedLengthRecordReaderV2 and the others: makes the reader, outputs a scalar (the handle).
SESSIONLIB_INLINE void reader_kernel(kernel_context& ctx) {
  detail::reader_of(ctx, ctx.self);
  ctx.out.ensure(dtype::int32, dims{});
  *ctx.out.data<std::int32_t>() = 0;
}
/// ReaderReadV2: {reader, queue of file names} -> key, value (string scalars).
SESSIONLIB_INLINE void reader_read_kernel(kernel_context& ctx) {
  auto r = detail::reader_of(ctx, ctx.n.inputs[0].node);
  auto q = detail::queue_of(ctx, ctx.n.inputs[1].node);
  ctx.output(0).ensure(dtype::string, dims{});
  ctx.output(1).ensure(dtype::string, dims{});
  r->read(*q, detail::wait_of(ctx), *ctx.output(0).data<std::string>(), *ctx.output(1).data<std::string>());
}
/// ReaderReadUpToV2: {reader, queue of file names} -> keys, values (string
/// vectors of one length, at most num_records).
SESSIONLIB_INLINE void reader_read_up_to_kernel(kernel_context& ctx) {
  auto r = detail::reader_of(ctx, ctx.n.inputs[0].node);
  auto q = detail::queue_of(ctx, ctx.n.inputs[1].node);
  std::vector<std::string> keys, values;
  r->read_up_to(*q, detail::wait_of(ctx), ctx.attrs<read_up_to_attrs>().num_records, keys, values);
  ctx.output(0).ensure(dtype::string, dims{keys.size()});
  ctx.output(1).ensure(dtype::string, dims{values.size()});
  std::move(keys.begin(), keys.end(), ctx.output(0).data<std::string>());
  std::move(values.begin(), values.end(), ctx.output(1).data<std::string>());
}
/// ReaderNumRecordsProducedV2: {reader} -> int64 scalar.
SESSIONLIB_INLINE void reader_num_records_produced_kernel(kernel_context& ctx) {
  const std::int64_t n = detail::reader_of(ctx, ctx.n.inputs[0].node)->num_records_produced();
  ctx.out.ensure(dtype::int64, dims{});
  *ctx.out.data<std::int64_t>() = n;
}
/// ReaderNumWorkUnitsCompletedV2: {reader} -> int64 scalar.
SESSIONLIB_INLINE void reader_num_work_units_completed_kernel(kernel_context& ctx) {
  const std::int64_t n = detail::reader_of(ctx, ctx.n.inputs[0].node)->num_work_units_completed();
  ctx.out.ensure(dtype::int64, dims{});
  *ctx.out.data<std::int64_t>() = n;
}
/// ReaderResetV2: {reader}.
SESSIONLIB_INLINE void reader_reset_kernel(kernel_context& ctx) {
  detail::reader_of(ctx, ctx.n.inputs[0].node)->reset(detail::wait_of(ctx));
}

}  // namespace sessionlib::kernels
