// Kernels of the queue ops (ops/queue.hpp). A queue's node (FIFOQueueV2, ...)
// makes the session's queue on first use (runtime/queue.hpp) and outputs a
// scalar standing for TF's resource handle; every other queue op takes that
// node as input 0 and finds the queue by its id in the session. The kernels
// copy bytes and never depend on the element type: one function per op serves
// every dtype.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../../config.hpp"
#include "../../graph/queue_attrs.hpp"
#include "../kernel.hpp"
#include "../queue.hpp"

namespace sessionlib::kernels {

namespace detail {
/// The run-time description of queue node `n` (its attributes; TF's resource
/// name is filled in by queue_of: the shared_name, or a private name).
SESSIONLIB_INLINE queue_spec queue_spec_of(const node& n) {
  queue_spec s;
  visit_queue_attrs(n, [&]<class A>(const A& a) {
    if constexpr (std::is_same_v<A, random_shuffle_queue_attrs>) {
      s.kind = queue_kind::random_shuffle;
      s.min_after_dequeue = a.min_after_dequeue;
      s.seed = static_cast<std::uint64_t>(a.seed);
      s.seed2 = static_cast<std::uint64_t>(a.seed2);
    } else {
      s.kind = static_cast<queue_kind>(a.kind);
    }
    s.name = a.shared_name;
    s.capacity = a.capacity;
    for (auto t : a.component_types) s.types.push_back(static_cast<dtype>(t));
    for (std::size_t i = 0; i < a.shapes.size();) {
      const auto rank = static_cast<std::size_t>(a.shapes[i++]);
      s.shapes.emplace_back(a.shapes.begin() + static_cast<std::ptrdiff_t>(i),
                            a.shapes.begin() + static_cast<std::ptrdiff_t>(i + rank));
      i += rank;
    }
  });
  s.op = n.op;
  return s;
}

/// The queue of the queue node `id`, made on first use in this session (shared
/// by container and name when the node has a shared_name).
SESSIONLIB_INLINE std::shared_ptr<queue_resource> queue_of(kernel_context& ctx, node_id id) {
  return ctx.state.resource<queue_resource>(id, [&] {
    const node& qn = id == ctx.self ? ctx.n : ctx.graph.at(id);
    queue_spec spec = queue_spec_of(qn);
    if (spec.name.empty()) {
      spec.name = sessionlib::detail::private_queue_name(qn.name);
      return std::make_shared<queue_resource>(std::move(spec));
    }
    const std::string key = visit_queue_attrs(qn, [](const auto& a) { return a.container; }) + "/" + spec.name;
    return sessionlib::detail::shared_resources<queue_resource>::global().get(
        key, [&](const queue_resource& q) { sessionlib::detail::check_shared_queue(q.spec(), spec); },
        [&] { return std::make_shared<queue_resource>(spec); });
  });
}
SESSIONLIB_INLINE std::shared_ptr<queue_resource> input_queue(kernel_context& ctx) {
  return queue_of(ctx, ctx.n.inputs[0].node);
}
inline queue_wait wait_of(const kernel_context& ctx) {
  return {&ctx.state.cancelled(), ctx.deadline, ctx.timeout, ctx.n.name};
}

/// Writes `got` (count elements) as the batched outputs of a dequeue_many; a
/// padding queue pads every component to the largest element, with zeros.
SESSIONLIB_INLINE void write_batch(kernel_context& ctx, const queue_spec& spec,
                                   std::vector<queue_resource::element>& got) {
  const std::size_t ncomp = spec.types.size();
  for (std::size_t k = 0; k < ncomp; ++k) {
    dims out;
    out.push_back(got.size());
    const std::vector<std::ptrdiff_t>& s = spec.shapes[k];
    for (std::size_t d = 0; d < s.size(); ++d) {
      std::size_t m = s[d] < 0 ? 0 : static_cast<std::size_t>(s[d]);
      if (s[d] < 0)
        for (const auto& e : got) m = std::max(m, e.parts[k].shape()[d]);
      out.push_back(m);
    }
    any_array& o = ctx.output(k);
    o.ensure(spec.types[k], out);
    const std::size_t esize = dtype_size(spec.types[k]);
    const std::size_t row = o.nbytes() / std::max<std::size_t>(got.size(), 1);  // bytes of one padded element
    char* base = static_cast<char*>(o.raw());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const any_array& e = got[i].parts[k];
      char* dst = base + i * row;
      if (e.shape() == dims(out.begin() + 1, out.end())) {
        any_array::copy_elements(spec.types[k], dst, e.raw(), row / esize);
        continue;
      }
      // Padded: copy e's innermost rows into the larger block, zeros elsewhere.
      any_array::zero_elements(spec.types[k], dst, row / esize);
      const std::size_t r = e.rank();
      if (e.size() == 0) continue;
      const std::size_t inner = e.shape()[r - 1] * esize;
      const std::size_t rows = e.size() / e.shape()[r - 1];
      std::vector<std::size_t> idx(r, 0);
      for (std::size_t q = 0; q < rows; ++q) {
        std::size_t off = 0;  // offset of row idx[0..r-2] in the padded block, in elements
        for (std::size_t d = 0; d + 1 < r; ++d) off = off * out[d + 1] + idx[d];
        off *= out[r];
        any_array::copy_elements(spec.types[k], dst + off * esize, static_cast<const char*>(e.raw()) + q * inner,
                                 inner / esize);
        for (std::size_t d = r - 1; d-- > 0;) {  // next row index, last dimension aside
          if (++idx[d] < e.shape()[d]) break;
          idx[d] = 0;
        }
      }
    }
  }
}

SESSIONLIB_INLINE void enqueue(kernel_context& ctx, bool many) {
  auto q = input_queue(ctx);
  q->enqueue(ctx.in + 1, ctx.nin - 1, many, wait_of(ctx));
}

SESSIONLIB_INLINE void dequeue(kernel_context& ctx, bool many, bool up_to) {
  auto q = input_queue(ctx);
  std::size_t n = 1;
  if (many) {
    const std::int32_t want = ctx.input(1).scalar<std::int32_t>();
    if (want < 0) ctx.fail("DequeueMany requested a negative number of elements: " + std::to_string(want));
    n = static_cast<std::size_t>(want);
  }
  auto got = q->dequeue(n, many, up_to, wait_of(ctx));
  if (!many) {
    for (std::size_t k = 0; k < got[0].parts.size(); ++k) ctx.output(k) = std::move(got[0].parts[k]);
    return;
  }
  write_batch(ctx, q->spec(), got);
  q->recycle(got);
}
}  // namespace detail

/// FIFOQueueV2 and the others: makes the queue, outputs a scalar (the handle).
SESSIONLIB_INLINE void queue_kernel(kernel_context& ctx) {
  detail::queue_of(ctx, ctx.self);
  ctx.out.ensure(dtype::int32, dims{});
  *ctx.out.data<std::int32_t>() = 0;
}
/// QueueEnqueueV2: {queue, components...}.
SESSIONLIB_INLINE void queue_enqueue_kernel(kernel_context& ctx) { detail::enqueue(ctx, false); }
/// QueueEnqueueManyV2: {queue, batches of components...}.
SESSIONLIB_INLINE void queue_enqueue_many_kernel(kernel_context& ctx) { detail::enqueue(ctx, true); }
/// QueueDequeueV2: {queue} -> one output per component.
SESSIONLIB_INLINE void queue_dequeue_kernel(kernel_context& ctx) { detail::dequeue(ctx, false, false); }
/// QueueDequeueManyV2: {queue, n (int32)} -> batched components.
SESSIONLIB_INLINE void queue_dequeue_many_kernel(kernel_context& ctx) { detail::dequeue(ctx, true, false); }
/// QueueDequeueUpToV2: {queue, n (int32)} -> batched components, fewer after close.
SESSIONLIB_INLINE void queue_dequeue_up_to_kernel(kernel_context& ctx) { detail::dequeue(ctx, true, true); }
/// QueueCloseV2: {queue}; cancel_pending_enqueues from the node's attributes.
SESSIONLIB_INLINE void queue_close_kernel(kernel_context& ctx) {
  detail::input_queue(ctx)->close(ctx.attrs<queue_close_attrs>().cancel_pending_enqueues, detail::wait_of(ctx));
}
/// QueueSizeV2: {queue} -> int32 scalar.
SESSIONLIB_INLINE void queue_size_kernel(kernel_context& ctx) {
  const std::int32_t s = detail::input_queue(ctx)->size();
  ctx.out.ensure(dtype::int32, dims{});
  *ctx.out.data<std::int32_t>() = s;
}
/// QueueIsClosedV2: {queue} -> bool scalar.
SESSIONLIB_INLINE void queue_is_closed_kernel(kernel_context& ctx) {
  const bool c = detail::input_queue(ctx)->is_closed();
  ctx.out.ensure(dtype::bool_, dims{});
  *ctx.out.data<bool>() = c;
}

}  // namespace sessionlib::kernels
