// Queues (tf.queue.FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue,
// PriorityQueue), typed: the components' dtypes and shapes are template
// arguments, so enqueue checks its values at compile time and the dequeues
// return typed handles.
//
//     sl::FIFOQueue<std::tuple<float, std::int64_t>, std::tuple<sl::shape<784>, sl::shape<>>> q(g, 100);
//     auto enq = q.enqueue(std::tuple{image, label});   // sl::Operation
//     auto [xs, ys] = q.dequeue_many(64);               // Tensor<float, shape<dyn, 784>>, Tensor<int64, shape<dyn>>
//     auto [x1, y1] = q.dequeue_many<64>();             // Tensor<float, shape<64, 784>>, ...
//     sess.run(q.close());                              // later dequeues drain, then sl::out_of_range
//
// One component may be written without the tuple (`sl::FIFOQueue<float, sl::shape<3>>`):
// enqueue then takes the value and dequeue returns the tensor. The state lives
// in each session (runtime/queue.hpp); blocked ops wait as TF's do, bounded by
// RunOptions::timeout and cancelled by Session::close.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../graph/queue_attrs.hpp"
#include "../runtime/kernels/queue.hpp"
#include "constant.hpp"
#include "input_part.hpp"

namespace sessionlib {

namespace report {
template <std::size_t Component, class Value>
constexpr void queue_component_not_tensor() {
  // Component is the index in the queue's tuple, Value the type given there.
  static_assert(always_false<Value>, "sessionlib: enqueue: a component must be a tensor, a variable or a scalar");
}
template <std::size_t Component, class QueueT, class ValueT>
constexpr void queue_component_dtype() {
  // The component's index, the queue's element type, then the value's.
  static_assert(always_false<QueueT, ValueT>, "sessionlib: enqueue: a component's dtype differs from the queue's");
}
template <std::size_t Component, std::size_t QueueRank, std::size_t ValueRank>
constexpr void queue_component_rank() {
  // The component's index, the rank expected (with the batch dimension for enqueue_many), the value's.
  static_assert(always_false_dims<static_cast<std::ptrdiff_t>(Component), static_cast<std::ptrdiff_t>(QueueRank),
                                  static_cast<std::ptrdiff_t>(ValueRank)>,
                "sessionlib: enqueue: a component's rank differs from the queue's");
}
template <std::size_t Component, std::ptrdiff_t QueueDim, std::ptrdiff_t ValueDim>
constexpr void queue_component_dim() {
  // The component's index, the queue's static dimension, the value's.
  static_assert(always_false_dims<static_cast<std::ptrdiff_t>(Component), QueueDim, ValueDim>,
                "sessionlib: enqueue: a component's static dimension differs from the queue's");
}
template <std::size_t Expected, std::size_t Given>
constexpr void queue_component_count() {
  // The queue's number of components, then the number given.
  static_assert(always_false_dims<static_cast<std::ptrdiff_t>(Expected), static_cast<std::ptrdiff_t>(Given)>,
                "sessionlib: enqueue: the number of components differs from the queue's (give a std::tuple)");
}
template <std::size_t Component>
constexpr void queue_dequeue_many_dyn() {
  // The first component whose shape has a dyn dimension.
  static_assert(always_false_dims<static_cast<std::ptrdiff_t>(Component)>,
                "sessionlib: dequeue_many: every component needs a fully static shape (use sl::PaddingFIFOQueue)");
}
}  // namespace report

/// Options every queue takes (TF's keyword arguments).
struct queue_options {
  std::string name{};         // the queue op's name; "" -> "fifo_queue", "random_shuffle_queue", ...
  std::string shared_name{};  // non-empty: one queue shared by every session of the process using this name
  std::string container{};
  std::uint64_t seed = 0;     // RandomShuffleQueue: the op seed (0: the graph's rule, as TF's)
};

/// A queue without its component types: what QueueRunner and the untyped ops take.
class queue_handle {
 public:
  queue_handle() = default;
  queue_handle(Graph* g, node_id id) noexcept : g_(g), id_(id) {}
  Graph& graph() const noexcept { return *g_; }
  /// The queue's node (FIFOQueueV2, ...): its output stands for TF's queue_ref.
  node_id id() const noexcept { return id_; }
  /// The queue op's name (TF's queue.name).
  const std::string& name() const { return g_->at(id_).name; }

  /// Closes the queue (QueueCloseV2). Later enqueues fail; dequeues drain what is
  /// left, then fail with sl::out_of_range. `cancel_pending_enqueues`: blocked
  /// enqueues fail now, else the close waits behind them.
  Operation close(bool cancel_pending_enqueues = false, const std::string& name = "") const {
    return make_operation(*g_, {.op = "QueueCloseV2", .name = op_name("Close", name), .inputs = {id_},
                                .kernel = kernels::queue_close_kernel,
                                .attr = {.family = queue_close_attrs{.cancel_pending_enqueues = cancel_pending_enqueues}},
                                .stateful = true});
  }
  /// The number of elements in the queue (QueueSizeV2).
  Tensor<std::int32_t, shape<>> size(const std::string& name = "") const {
    return make_tensor<std::int32_t, shape<>>(*g_, {.op = "QueueSizeV2", .name = op_name("Size", name), .inputs = {id_},
                                                    .kernel = kernels::queue_size_kernel, .stateful = true});
  }
  /// Whether the queue is closed (QueueIsClosedV2).
  Tensor<bool, shape<>> is_closed(const std::string& name = "") const {
    return make_tensor<bool, shape<>>(*g_, {.op = "QueueIsClosedV2", .name = op_name("IsClosed", name),
                                            .inputs = {id_}, .kernel = kernels::queue_is_closed_kernel,
                                            .stateful = true});
  }

 protected:
  /// TF's default name of a queue method's op: "<queue>_<Suffix>".
  std::string op_name(const char* suffix, const std::string& name) const {
    if (!name.empty()) return name;
    const std::string& full = g_->at(id_).name;
    return full.substr(full.rfind('/') + 1) + "_" + suffix;
  }

  Graph* g_ = nullptr;
  node_id id_ = no_node;
};

namespace detail {
template <class X> struct queue_tuple { using type = std::tuple<X>; static constexpr bool single = true; };
template <class... X> struct queue_tuple<std::tuple<X...>> { using type = std::tuple<X...>; static constexpr bool single = false; };

template <std::ptrdiff_t N, class S> struct prepend_dim;
template <std::ptrdiff_t N, std::ptrdiff_t... D> struct prepend_dim<N, shape<D...>> { using type = shape<N, D...>; };

/// The first dimension where value shape XS and component shape S (after a
/// batch dimension when Many) are both static and differ; XS::rank() if none.
template <class S, class XS, bool Many>
constexpr std::size_t bad_component_dim() {
  for (std::size_t d = 0; d < XS::rank(); ++d) {
    const std::ptrdiff_t e = Many ? (d == 0 ? dyn : S::extents[d - 1]) : S::extents[d];
    if (e != dyn && XS::extents[d] != dyn && e != XS::extents[d]) return d;
  }
  return XS::rank();
}

/// What is wrong with value type X for component I (T, S) of a queue: 0 nothing,
/// else which report applies (checked in order, so only the first shows).
template <class T, class S, class X, bool Many>
constexpr int component_problem() {
  if constexpr (std::is_arithmetic_v<X>) {
    if constexpr (Many || S::rank() != 0) return 5;
    else if constexpr (!requires(X x) { T{x}; }) return 2;
    else return 0;
  } else if constexpr (!TensorLike<X>) {
    return 1;
  } else if constexpr (!std::is_same_v<value_type_of<X>, T>) {
    return 2;
  } else if constexpr (shape_of<X>::rank() != S::rank() + (Many ? 1 : 0)) {
    return 3;
  } else {
    return bad_component_dim<S, shape_of<X>, Many>() < shape_of<X>::rank() ? 4 : 0;
  }
}

template <std::size_t I, class T, class S, class X, bool Many>
constexpr void report_component() {
  constexpr int p = component_problem<T, S, X, Many>();
  if constexpr (p == 1 || p == 5) {
    report::queue_component_not_tensor<I, X>();  // a scalar only for a rank-0 component of enqueue
  } else if constexpr (p == 2) {
    if constexpr (std::is_arithmetic_v<X>) report::queue_component_dtype<I, T, X>();
    else report::queue_component_dtype<I, T, value_type_of<X>>();  // cast the value: sl::cast<T>(x)
  } else if constexpr (p == 3) {
    report::queue_component_rank<I, S::rank() + (Many ? 1 : 0), shape_of<X>::rank()>();
  } else if constexpr (p == 4) {
    constexpr std::size_t d = bad_component_dim<S, shape_of<X>, Many>();
    constexpr std::ptrdiff_t e = Many ? (d == 0 ? dyn : S::extents[d - 1]) : S::extents[d];
    report::queue_component_dim<I, e, shape_of<X>::extents[d]>();
  }
}

/// Adds a queue node of op type `op` with attributes `family` (a queue_attrs or a
/// random_shuffle_queue_attrs).
SESSIONLIB_INLINE node_id add_queue_node(Graph& g, const char* op, const std::string& name, attr_box family) {
  return add_tensor_node(g, {.op = op, .name = name, .kernel = kernels::queue_kernel,
                             .attr = {.family = std::move(family)}, .stateful = true},
                         dtype::int32, {});
}
}  // namespace detail

/// A queue whose components have dtypes T... and shapes S... (the base of the
/// four queue kinds). `Single`: one component written without a tuple.
template <queue_kind Kind, class Types, class Shapes, bool Single>
class basic_queue;

template <queue_kind Kind, class... T, class... S, bool Single>
class basic_queue<Kind, std::tuple<T...>, std::tuple<S...>, Single> : public queue_handle {
  static_assert(sizeof...(T) == sizeof...(S), "sessionlib: queue: give one shape per component");
  static_assert(sizeof...(T) > 0, "sessionlib: queue: a queue needs at least one component");
  static_assert((Element<T> && ...), "sessionlib: queue: components must be float, double, int32, int64, uint8, bool or std::string");
  static_assert((Shape<S> && ...), "sessionlib: queue: shapes must be sl::shape<...>");
  static constexpr std::size_t N = sizeof...(T);
  using types = std::tuple<T...>;
  using shapes = std::tuple<S...>;

 public:
  /// Enqueues one element (QueueEnqueueV2): a std::tuple of N tensors (or
  /// scalars for rank-0 components), or the value itself for a one-component queue.
  template <class V>
  Operation enqueue(const V& values, const std::string& name = "") const {
    return add_enqueue<false>(values, "QueueEnqueueV2", op_name("enqueue", name));
  }
  /// Enqueues the slices along dimension 0 of every component (QueueEnqueueManyV2).
  template <class V>
  Operation enqueue_many(const V& values, const std::string& name = "") const {
    return add_enqueue<true>(values, "QueueEnqueueManyV2", op_name("EnqueueMany", name));
  }

  /// Dequeues one element (QueueDequeueV2): a tuple of tensors (the tensor for one component).
  auto dequeue(const std::string& name = "") const {
    const node_id id = add_multi_output_node(*g_,
                                             {.op = "QueueDequeueV2", .name = op_name("Dequeue", name),
                                              .inputs = {id_}, .kernel = kernels::queue_dequeue_kernel,
                                              .attr = {.family = queue_wait_attrs{}}, .stateful = true},
                                             {output_spec{dtype_of<T>, {S::extents.begin(), S::extents.end()}}...});
    return results<S...>(id);
  }
  /// Dequeues B elements, each component batched along a new dimension 0 of size B
  /// (QueueDequeueManyV2); waits until there are B.
  template <std::size_t B>
  auto dequeue_many(const std::string& name = "") const {
    return batched<static_cast<std::ptrdiff_t>(B)>("QueueDequeueManyV2", kernels::queue_dequeue_many_kernel,
                                                   constant(*g_, static_cast<std::int32_t>(B)), op_name("DequeueMany", name));
  }
  /// As dequeue_many<B>, with `n` given at graph build time (dimension 0 is dyn).
  auto dequeue_many(std::int32_t n, const std::string& name = "") const {
    return batched<dyn>("QueueDequeueManyV2", kernels::queue_dequeue_many_kernel, constant(*g_, n),
                        op_name("DequeueMany", name));
  }
  /// As dequeue_many(n), `n` computed by the graph.
  auto dequeue_many(const Tensor<std::int32_t, shape<>>& n, const std::string& name = "") const {
    return batched<dyn>("QueueDequeueManyV2", kernels::queue_dequeue_many_kernel, n, op_name("DequeueMany", name));
  }
  /// As dequeue_many(n), but after close it returns what is left when fewer than n (QueueDequeueUpToV2).
  auto dequeue_up_to(std::int32_t n, const std::string& name = "") const {
    return batched<dyn>("QueueDequeueUpToV2", kernels::queue_dequeue_up_to_kernel, constant(*g_, n),
                        op_name("DequeueUpTo", name));
  }
  auto dequeue_up_to(const Tensor<std::int32_t, shape<>>& n, const std::string& name = "") const {
    return batched<dyn>("QueueDequeueUpToV2", kernels::queue_dequeue_up_to_kernel, n, op_name("DequeueUpTo", name));
  }

 protected:
  basic_queue(Graph& g, const char* op, const std::string& default_name, const queue_options& o,
              std::int64_t capacity, std::int64_t min_after_dequeue, std::uint64_t seed, std::uint64_t seed2)
      : queue_handle(&g, [&] {
          std::vector<std::int32_t> types{static_cast<std::int32_t>(dtype_of<T>)...};
          std::vector<std::int64_t> shapes;
          (append_shape<S>(shapes), ...);
          const std::string& node_name = o.name.empty() ? default_name : o.name;
          if constexpr (Kind == queue_kind::random_shuffle) {
            return detail::add_queue_node(g, op, node_name,
                                          random_shuffle_queue_attrs{.component_types = std::move(types),
                                                                     .shapes = std::move(shapes),
                                                                     .capacity = capacity,
                                                                     .min_after_dequeue = min_after_dequeue,
                                                                     .seed = static_cast<std::int64_t>(seed),
                                                                     .seed2 = static_cast<std::int64_t>(seed2),
                                                                     .container = o.container,
                                                                     .shared_name = o.shared_name});
          } else {
            return detail::add_queue_node(g, op, node_name,
                                          queue_attrs{.kind = static_cast<std::int32_t>(Kind),
                                                      .component_types = std::move(types),
                                                      .shapes = std::move(shapes),
                                                      .capacity = capacity,
                                                      .container = o.container,
                                                      .shared_name = o.shared_name});
          }
        }()) {}

 private:
  template <class Sh>
  static void append_shape(std::vector<std::int64_t>& out) {
    out.push_back(static_cast<std::int64_t>(Sh::rank()));
    for (auto d : Sh::extents) out.push_back(d);
  }

  template <class... R>
  auto results(node_id id) const {
    auto all = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple{Tensor<T, R>(g_, output_ref{id, static_cast<std::uint32_t>(I)})...};
    }(std::index_sequence_for<T...>{});
    if constexpr (Single) return std::get<0>(all);
    else return all;
  }

  template <std::ptrdiff_t B>
  auto batched(const char* op, kernel_fn k, const Tensor<std::int32_t, shape<>>& n, const std::string& name) const {
    constexpr std::size_t first_dyn = [] {
      std::size_t i = 0, found = N;
      ((found == N && S::rank_dynamic() != 0 ? (found = i) : 0, ++i), ...);
      return found;
    }();
    if constexpr (Kind != queue_kind::padding_fifo && first_dyn < N) {
      report::queue_dequeue_many_dyn<first_dyn>();  // only a PaddingFIFOQueue batches elements of several shapes
    }
    auto spec_of = []<class Sh>(Sh*) {
      using P = typename detail::prepend_dim<B, Sh>::type;
      return std::vector<std::ptrdiff_t>(P::extents.begin(), P::extents.end());
    };
    const node_id id = add_multi_output_node(
        *g_,
        {.op = op, .name = name, .inputs = {id_, n.id()}, .kernel = k, .attr = {.family = queue_wait_attrs{}},
         .stateful = true},
        {output_spec{dtype_of<T>, spec_of(static_cast<S*>(nullptr))}...});
    return results<typename detail::prepend_dim<B, S>::type...>(id);
  }

  template <bool Many, class V>
  Operation add_enqueue(const V& values, const char* op, const std::string& name) const {
    if constexpr (!detail::queue_tuple<V>::single) {
      return add_enqueue_tuple<Many>(values, op, name);
    } else if constexpr (Single) {
      return add_enqueue_tuple<Many>(std::tuple<const V&>(values), op, name);
    } else {
      report::queue_component_count<N, 1>();  // give the components as a std::tuple
      return Operation{};
    }
  }

  template <bool Many, class... X>
  Operation add_enqueue_tuple(const std::tuple<X...>& values, const char* op, const std::string& name) const {
    if constexpr (sizeof...(X) != N) {
      report::queue_component_count<N, sizeof...(X)>();
      return Operation{};
    } else {
      constexpr std::size_t bad = [] {
        std::size_t i = 0, found = N;
        ((found == N && detail::component_problem<T, S, std::remove_cvref_t<X>, Many>() != 0 ? (found = i) : 0, ++i), ...);
        return found;
      }();
      if constexpr (bad < N) {
        // The first component that does not fit the queue's dtype and shape.
        detail::report_component<bad, std::tuple_element_t<bad, types>, std::tuple_element_t<bad, shapes>,
                                 std::remove_cvref_t<std::tuple_element_t<bad, std::tuple<X...>>>, Many>();
        return Operation{};
      } else {
        std::vector<output_ref> inputs{id_};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
          (inputs.push_back(component_ref<std::tuple_element_t<I, types>>(std::get<I>(values))), ...);
        }(std::index_sequence_for<X...>{});
        return make_operation(*g_, {.op = op, .name = name, .inputs = std::move(inputs),
                                    .kernel = Many ? kernels::queue_enqueue_many_kernel : kernels::queue_enqueue_kernel,
                                    .attr = {.family = queue_wait_attrs{}}, .stateful = true});
      }
    }
  }

  template <class Tc, class X>
  output_ref component_ref(const X& x) const {
    if constexpr (std::is_arithmetic_v<X>) {
      return constant(*g_, static_cast<Tc>(x)).id();
    } else {
      if (&as_tensor(x).graph() != g_)
        throw invalid_argument("Tensors must be from the same graph as '" + name() + "'");
      return as_tensor(x).id();
    }
  }
};

/// tf.queue.FIFOQueue: elements come out in the order they went in.
template <class Types, class Shapes>
class FIFOQueue<Types, Shapes, detail::input_part> : public basic_queue<queue_kind::fifo, typename detail::queue_tuple<Types>::type,
                                     typename detail::queue_tuple<Shapes>::type, detail::queue_tuple<Types>::single> {
  using base = basic_queue<queue_kind::fifo, typename detail::queue_tuple<Types>::type,
                           typename detail::queue_tuple<Shapes>::type, detail::queue_tuple<Types>::single>;

 public:
  /// A queue of at most `capacity` elements (< 0: unbounded) in graph `g`.
  FIFOQueue(Graph& g, std::int64_t capacity, const queue_options& o = {})
      : base(g, "FIFOQueueV2", "fifo_queue", o, capacity, 0, 0, 0) {}
  explicit FIFOQueue(std::int64_t capacity, const queue_options& o = {}) : FIFOQueue(get_default_graph(), capacity, o) {}
};

/// tf.queue.PaddingFIFOQueue: a FIFO queue whose components may have dyn
/// dimensions; dequeue_many pads each component to the batch's largest, with zeros.
template <class Types, class Shapes>
class PaddingFIFOQueue<Types, Shapes, detail::input_part>
    : public basic_queue<queue_kind::padding_fifo, typename detail::queue_tuple<Types>::type,
                         typename detail::queue_tuple<Shapes>::type, detail::queue_tuple<Types>::single> {
  using base = basic_queue<queue_kind::padding_fifo, typename detail::queue_tuple<Types>::type,
                           typename detail::queue_tuple<Shapes>::type, detail::queue_tuple<Types>::single>;

 public:
  PaddingFIFOQueue(Graph& g, std::int64_t capacity, const queue_options& o = {})
      : base(g, "PaddingFIFOQueueV2", "padding_fifo_queue", o, capacity, 0, 0, 0) {}
  explicit PaddingFIFOQueue(std::int64_t capacity, const queue_options& o = {})
      : PaddingFIFOQueue(get_default_graph(), capacity, o) {}
};

namespace detail {
/// TF's seed rule (random_seed.get_seed) for a queue's (seed, seed2).
inline std::pair<std::uint64_t, std::uint64_t> queue_seeds(Graph& g, std::uint64_t op_seed) {
  constexpr std::uint64_t default_graph_seed = 87654321;  // TF's DEFAULT_GRAPH_SEED
  const std::uint64_t graph_seed = g.seed();
  if (graph_seed == 0 && op_seed == 0) return {0, 0};  // not reproducible, as TF's
  if (graph_seed == 0) return {default_graph_seed, op_seed};
  return {graph_seed, op_seed != 0 ? op_seed : g.next_op_seed()};
}
}  // namespace detail

/// tf.queue.RandomShuffleQueue: dequeues a random element, and (until closed)
/// only while more than `min_after_dequeue` remain. Seeded as TF's random ops are.
template <class Types, class Shapes>
class RandomShuffleQueue<Types, Shapes, detail::input_part>
    : public basic_queue<queue_kind::random_shuffle, typename detail::queue_tuple<Types>::type,
                         typename detail::queue_tuple<Shapes>::type, detail::queue_tuple<Types>::single> {
  using base = basic_queue<queue_kind::random_shuffle, typename detail::queue_tuple<Types>::type,
                           typename detail::queue_tuple<Shapes>::type, detail::queue_tuple<Types>::single>;

 public:
  RandomShuffleQueue(Graph& g, std::int64_t capacity, std::int64_t min_after_dequeue, const queue_options& o = {})
      : RandomShuffleQueue(g, capacity, min_after_dequeue, o, detail::queue_seeds(g, o.seed)) {}
  RandomShuffleQueue(std::int64_t capacity, std::int64_t min_after_dequeue, const queue_options& o = {})
      : RandomShuffleQueue(get_default_graph(), capacity, min_after_dequeue, o) {}

 private:
  RandomShuffleQueue(Graph& g, std::int64_t capacity, std::int64_t min_after_dequeue, const queue_options& o,
                     std::pair<std::uint64_t, std::uint64_t> seeds)
      : base(g, "RandomShuffleQueueV2", "random_shuffle_queue", o, capacity, min_after_dequeue, seeds.first,
             seeds.second) {}
};

/// tf.queue.PriorityQueue: elements carry an int64 priority, their component 0,
/// and come out smallest priority first. Types and Shapes are the other
/// components; enqueue takes std::tuple{priority, values...}, dequeue returns the same.
template <class... T, class... S>
class PriorityQueue<std::tuple<T...>, std::tuple<S...>, detail::input_part>
    : public basic_queue<queue_kind::priority, std::tuple<std::int64_t, T...>, std::tuple<shape<>, S...>, false> {
  using base = basic_queue<queue_kind::priority, std::tuple<std::int64_t, T...>, std::tuple<shape<>, S...>, false>;

 public:
  PriorityQueue(Graph& g, std::int64_t capacity, const queue_options& o = {})
      : base(g, "PriorityQueueV2", "priority_queue", o, capacity, 0, 0, 0) {}
  explicit PriorityQueue(std::int64_t capacity, const queue_options& o = {})
      : PriorityQueue(get_default_graph(), capacity, o) {}
};

}  // namespace sessionlib
