// The attributes of the queue ops (ops/queue.hpp), as TF names them: a queue
// node's component_types, shapes, capacity, container, shared_name and, for a
// RandomShuffleQueueV2, min_after_dequeue, seed and seed2; QueueCloseV2's
// cancel_pending_enqueues.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../config.hpp"
#include "node.hpp"

namespace sessionlib {

/// A queue node's attributes. `kind` is sessionlib's queue_kind (runtime/queue.hpp);
/// shapes are flattened: each component's rank, then its dimensions (-1: any).
/// A priority queue's lists include its int64 priority, first (TF's lists do not).
struct queue_attrs {
  std::int32_t kind = 0;
  std::vector<std::int32_t> component_types{};
  std::vector<std::int64_t> shapes{};
  std::int64_t capacity = -1;
  std::string container{};
  std::string shared_name{};
  std::int64_t min_after_dequeue = 0;
  std::int64_t seed = 0;
  std::int64_t seed2 = 0;
  friend bool operator==(const queue_attrs&, const queue_attrs&) = default;
};

/// QueueCloseV2's attributes.
struct queue_close_attrs {
  bool cancel_pending_enqueues = false;
  friend bool operator==(const queue_close_attrs&, const queue_close_attrs&) = default;
};

namespace detail {
/// A node's attributes holding `a` (ints: kind, capacity, min_after_dequeue,
/// seed, seed2, the number of components, their dtypes, the flattened shapes;
/// text: container and shared_name).
SESSIONLIB_INLINE attributes queue_node_attributes(const queue_attrs& a) {
  attributes out;
  out.ints = {a.kind, a.capacity, a.min_after_dequeue, a.seed, a.seed2,
              static_cast<std::int64_t>(a.component_types.size())};
  out.ints.insert(out.ints.end(), a.component_types.begin(), a.component_types.end());
  out.ints.insert(out.ints.end(), a.shapes.begin(), a.shapes.end());
  out.text = a.container + '\x1f' + a.shared_name;
  return out;
}
SESSIONLIB_INLINE attributes queue_close_attributes(const queue_close_attrs& a) {
  attributes out;
  out.ints = {a.cancel_pending_enqueues ? 1 : 0};
  return out;
}
}  // namespace detail

/// The attributes of queue node `n`.
SESSIONLIB_INLINE queue_attrs queue_attrs_of(const node& n) {
  const auto& v = n.attr.ints;
  queue_attrs a;
  a.kind = static_cast<std::int32_t>(v.at(0));
  a.capacity = v.at(1);
  a.min_after_dequeue = v.at(2);
  a.seed = v.at(3);
  a.seed2 = v.at(4);
  const auto nc = static_cast<std::size_t>(v.at(5));
  for (std::size_t i = 0; i < nc; ++i) a.component_types.push_back(static_cast<std::int32_t>(v.at(6 + i)));
  a.shapes.assign(v.begin() + static_cast<std::ptrdiff_t>(6 + nc), v.end());
  const auto sep = n.attr.text.find('\x1f');
  a.container = n.attr.text.substr(0, sep);
  a.shared_name = sep == std::string::npos ? std::string{} : n.attr.text.substr(sep + 1);
  return a;
}
/// QueueCloseV2 node `n`'s attributes.
inline queue_close_attrs queue_close_attrs_of(const node& n) {
  return {!n.attr.ints.empty() && n.attr.ints[0] != 0};
}

}  // namespace sessionlib
