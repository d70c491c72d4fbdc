// The attribute families of the queue ops (ops/queue.hpp; graph/attrs.hpp says
// how families work). Fields carry TF's attribute names, so GraphDef export
// writes the `tf` ones itself (graph_def/attr_map.hpp). TF's component_types
// (list(type)) and shapes (list(shape)) have no field type in attrs.hpp: they
// are `mapped` fields of integer encodings, which the queue exporter turns into
// TF's lists (graph_def/export_ops.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "attrs.hpp"
#include "node.hpp"

namespace sessionlib {

/// FIFOQueueV2, PaddingFIFOQueueV2, PriorityQueueV2 (TF's attributes: component_types,
/// shapes, capacity, container, shared_name).
/// - kind: sessionlib's queue_kind (runtime/queue.hpp); mapped, as TF spells it by the op type.
/// - component_types: each component's sessionlib dtype; mapped (TF's list(type)).
/// - shapes: flattened, each component's rank then its dimensions (-1: any); mapped (TF's list(shape)).
/// A priority queue's lists hold its int64 priority first; TF's lists do not.
struct queue_attrs {
  static constexpr const char* family = "Queue";
  std::int32_t kind = 0;
  std::vector<std::int32_t> component_types{};
  std::vector<std::int64_t> shapes{};
  std::int64_t capacity = -1;  // < 0: unbounded
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("kind", &queue_attrs::kind, attr_kind::mapped),
                      attr_field("component_types", &queue_attrs::component_types, attr_kind::mapped),
                      attr_field("shapes", &queue_attrs::shapes, attr_kind::mapped),
                      attr_field("capacity", &queue_attrs::capacity),
                      attr_field("container", &queue_attrs::container),
                      attr_field("shared_name", &queue_attrs::shared_name)};
  }
  friend bool operator==(const queue_attrs&, const queue_attrs&) = default;
};

/// RandomShuffleQueueV2: a queue's attributes and TF's min_after_dequeue, seed,
/// seed2. A family of its own, because TF's other queue ops reject those three
/// attributes; component_types and shapes are mapped as in queue_attrs.
struct random_shuffle_queue_attrs {
  static constexpr const char* family = "RandomShuffleQueueV2";
  std::vector<std::int32_t> component_types{};
  std::vector<std::int64_t> shapes{};
  std::int64_t capacity = -1;
  std::int64_t min_after_dequeue = 0;
  std::int64_t seed = 0;   // both 0: not reproducible, as TF's
  std::int64_t seed2 = 0;
  std::string container{};
  std::string shared_name{};
  template <class = void>
  static constexpr auto fields() {
    using A = random_shuffle_queue_attrs;
    return std::tuple{attr_field("component_types", &A::component_types, attr_kind::mapped),
                      attr_field("shapes", &A::shapes, attr_kind::mapped),
                      attr_field("capacity", &A::capacity),
                      attr_field("min_after_dequeue", &A::min_after_dequeue),
                      attr_field("seed", &A::seed),
                      attr_field("seed2", &A::seed2),
                      attr_field("container", &A::container),
                      attr_field("shared_name", &A::shared_name)};
  }
  friend bool operator==(const random_shuffle_queue_attrs&, const random_shuffle_queue_attrs&) = default;
};

/// QueueEnqueueV2, QueueEnqueueManyV2, QueueDequeueV2, QueueDequeueManyV2,
/// QueueDequeueUpToV2: TF's timeout_ms. TF documents it as not supported yet
/// and always writes -1; sessionlib bounds a wait by RunOptions::timeout instead.
struct queue_wait_attrs {
  static constexpr const char* family = "QueueWait";
  std::int64_t timeout_ms = -1;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("timeout_ms", &queue_wait_attrs::timeout_ms)}; }
  friend bool operator==(const queue_wait_attrs&, const queue_wait_attrs&) = default;
};

/// QueueCloseV2: whether blocked enqueues fail at once (else the close waits behind them).
struct queue_close_attrs {
  static constexpr const char* family = "QueueCloseV2";
  bool cancel_pending_enqueues = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("cancel_pending_enqueues", &queue_close_attrs::cancel_pending_enqueues)};
  }
  friend bool operator==(const queue_close_attrs&, const queue_close_attrs&) = default;
};

/// Calls `f` with queue node `n`'s attributes, a queue_attrs or a
/// random_shuffle_queue_attrs (sl::internal when `n` is no queue node).
template <class F>
decltype(auto) visit_queue_attrs(const node& n, F&& f) {
  if (const auto* r = n.attr.family.find<random_shuffle_queue_attrs>()) return f(*r);
  return f(n.attr.get<queue_attrs>());
}

}  // namespace sessionlib
