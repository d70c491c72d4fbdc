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
/// `container` gets the node's container.
SESSIONLIB_INLINE reader_spec reader_spec_of(const node& n, std::string& container) {
  reader_spec s;
  auto sharing = [&](const auto& a) {
    container = a.container;
    s.name = a.shared_name;
  };
  if (const auto* f = n.attr.family.find<fixed_length_record_reader_attrs>()) {
    s.kind = reader_kind::fixed_length_record;
    s.header_bytes = f->header_bytes;
    s.record_bytes = f->record_bytes;
    s.footer_bytes = f->footer_bytes;
    s.hop_bytes = f->hop_bytes;
    sharing(*f);
  } else if (const auto* x = n.attr.family.find<idx_record_reader_attrs>()) {
    s.kind = reader_kind::idx;
    s.record_bytes = x->record_bytes;
    sharing(*x);
  } else if (const auto* t = n.attr.family.find<text_line_reader_attrs>()) {
    s.kind = reader_kind::text_line;
    s.skip_header_lines = t->skip_header_lines;
    sharing(*t);
  } else {
    s.kind = n.op == "TFRecordReaderV2" ? reader_kind::tf_record : reader_kind::identity;
    if (const auto* r = n.attr.family.find<reader_attrs>()) sharing(*r);
  }
  s.op = n.op;
  return s;
}

/// The reader of reader node `id`, made on first use in this session; with a
/// shared_name, the process's reader of that container and name, made by
/// whichever session used it first (as queues are shared): its position and
/// counts are then common to every node and session that name it.
SESSIONLIB_INLINE std::shared_ptr<reader_resource> reader_of(kernel_context& ctx, node_id id) {
  return ctx.state.resource<reader_resource>(id, [&] {
    const node& rn = id == ctx.self ? ctx.n : ctx.graph.at(id);
    std::string container;
    const reader_spec spec = reader_spec_of(rn, container);
    if (spec.name.empty()) return std::make_shared<reader_resource>(spec);
    auto check = [&](const reader_resource& r) {
      if (!(r.spec() == spec))
        throw invalid_argument("Shared reader '" + spec.name + "' was made by a " + r.spec().op +
                                   " node with other attributes than node " + rn.name + " (" + spec.op + ") asks for",
                               rn.name);
    };
    return sessionlib::detail::shared_resources<reader_resource>::global().get(
        container + "/" + spec.name, check, [&] { return std::make_shared<reader_resource>(spec); });
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
