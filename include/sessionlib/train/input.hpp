// Input pipelines as TF 1.x builds them (tf.compat.v1.train.string_input_producer,
// batch, shuffle_batch): a queue, the ops that fill it, and a QueueRunner in
// the graph's queue_runners collection whose threads run those ops once
// start_queue_runners is called.
//
//     auto files = sl::train::string_input_producer(g, {"a.bin", "b.bin"}, /*num_epochs=*/1);
//     sl::FixedLengthRecordReader reader(g, 785);
//     auto [key, record] = reader.read(files);
//     auto bytes = sl::decode_raw<std::uint8_t>(record);                     // (dyn)
//     auto label = sl::cast<std::int64_t>(sl::slice<sl::offsets<0>, sl::sizes<1>>(sl::reshape<sl::shape<785>>(bytes)));
//     auto [images, labels] = sl::train::shuffle_batch<64>(std::tuple{image, label}, 1000, 100);
//     sl::train::Coordinator coord;
//     auto threads = sl::train::start_queue_runners(sess, coord);
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "../graph/io_attrs.hpp"
#include "../ops/queue.hpp"
#include "../ops/constant.hpp"
#include "../runtime/kernels/input.hpp"
#include "queue_runner.hpp"

namespace sessionlib::train {

/// The file-name queue string_input_producer returns: what a reader reads from.
using filename_queue = FIFOQueue<std::string, shape<>>;

/// A queue of the strings of `strings` (1-D), refilled one epoch at a time by a
/// QueueRunner added to the graph's queue_runners collection (TF's
/// string_input_producer): each epoch in a new order when `shuffle` (seeded as
/// TF's random ops from the graph seed and `seed`), `num_epochs` epochs then
/// the queue closes (0: no limit), so readers end with sl::out_of_range.
/// Unlike TF, the epoch count needs no local_variables_initializer: it lives
/// in each session as a queue's elements do.
template <class S>
filename_queue string_input_producer(const Tensor<std::string, S>& strings, std::int64_t num_epochs = 0,
                                     bool shuffle = true, std::uint64_t seed = 0, std::int64_t capacity = 32,
                                     const std::string& shared_name = "", const std::string& name = "") {
  static_assert(S::rank() == 1, "sessionlib: string_input_producer: the strings must be a 1-D tensor");
  if (num_epochs < 0) throw invalid_argument("string_input_producer: num_epochs must be >= 0 (0: no limit)");
  Graph& g = strings.graph();
  auto seeds = sessionlib::detail::queue_seeds(g, seed);
  if (shuffle && seeds.first == 0 && seeds.second == 0) {  // neither seed: not reproducible, as TF's
    std::random_device rd;
    seeds = {rd(), (std::uint64_t{rd()} << 32) | rd()};
  }
  const std::string base = name.empty() ? "input_producer" : name;
  filename_queue q(g, capacity, {.name = base, .shared_name = shared_name});
  const auto epoch = make_tensor<std::string, shape<dyn>>(
      g, {.op = "InputProducerEpoch", .name = base + "/limit_epochs", .inputs = {strings.id()},
          .kernel = kernels::input_producer_epoch_kernel,
          .attr = {.family = input_producer_attrs{.num_epochs = num_epochs, .shuffle = shuffle,
                                                  .seed = static_cast<std::int64_t>(seeds.first),
                                                  .seed2 = static_cast<std::int64_t>(seeds.second)}},
          .stateful = true});
  add_queue_runner(QueueRunner(q, {q.enqueue_many(epoch)}));
  return q;
}

/// string_input_producer of file names known when the graph is built; an
/// empty list is sl::invalid_argument, as TF's ValueError.
inline filename_queue string_input_producer(Graph& g, const std::vector<std::string>& strings,
                                            std::int64_t num_epochs = 0, bool shuffle = true, std::uint64_t seed = 0,
                                            std::int64_t capacity = 32, const std::string& shared_name = "",
                                            const std::string& name = "") {
  if (strings.empty()) throw invalid_argument("string_input_producer requires a non-null input tensor");
  xt::xtensor<std::string, 1> v = xt::xtensor<std::string, 1>::from_shape({strings.size()});
  std::copy(strings.begin(), strings.end(), v.begin());
  return string_input_producer(constant(g, v), num_epochs, shuffle, seed, capacity, shared_name, name);
}

/// Options of batch and shuffle_batch (TF's keyword arguments).
struct batch_options {
  int num_threads = 1;                     // enqueue threads of the runner
  bool allow_smaller_final_batch = false;  // a last, smaller batch after the queue closes (dequeue_up_to)
  std::string shared_name{};
  std::string name{};                      // the queue's name ("" -> "batch/fifo_queue", "shuffle_batch/random_shuffle_queue")
};

/// Tensors whose first dimension lists examples (TF's `enqueue_many=True`),
/// for batch and shuffle_batch: `shuffle_batch<64>(enqueue_many(std::tuple{xs, ys}), ...)`
/// enqueues every row of a run at once, e.g. what a reader's read_up_to gives.
/// The queue's elements are the rows: each shape without its first dimension.
template <class X>
struct enqueue_many_t {
  X tensors;
};
/// Marks `tensors` (a tensor or a std::tuple of them) as batches of examples.
template <class X>
enqueue_many_t<X> enqueue_many(const X& tensors) {
  return {tensors};
}

namespace detail {
template <class S> struct drop_first {
  static_assert(report::always_false<S>, "sessionlib: enqueue_many: every tensor needs a first dimension listing the examples");
};
template <std::ptrdiff_t D0, std::ptrdiff_t... D> struct drop_first<shape<D0, D...>> { using type = shape<D...>; };

template <class X> struct batch_parts {
  using types = value_type_of<X>;
  using shapes = shape_of<X>;
};
template <class... X> struct batch_parts<std::tuple<X...>> {
  using types = std::tuple<value_type_of<X>...>;
  using shapes = std::tuple<shape_of<X>...>;
};
template <class X> struct batch_parts<enqueue_many_t<X>> {
  using types = value_type_of<X>;
  using shapes = typename drop_first<shape_of<X>>::type;
};
template <class... X> struct batch_parts<enqueue_many_t<std::tuple<X...>>> {
  using types = std::tuple<value_type_of<X>...>;
  using shapes = std::tuple<typename drop_first<shape_of<X>>::type...>;
};

/// The graph of batch's input.
template <class X>
Graph& batch_graph(const X& tensors) {
  if constexpr (TensorLike<X>) return as_tensor(tensors).graph();
  else return as_tensor(std::get<0>(tensors)).graph();
}
template <class X>
Graph& batch_graph(const enqueue_many_t<X>& many) {
  return batch_graph(many.tensors);
}

template <std::ptrdiff_t B, class Q>
auto batch_from(const Q& q, std::int32_t batch_size, const batch_options& o) {
  if constexpr (B != dyn) {
    static_assert(B > 0, "sessionlib: batch: the batch size must be positive");
    if (o.allow_smaller_final_batch)  // a smaller batch has no static size
      throw invalid_argument("batch: allow_smaller_final_batch needs the batch size at run time: batch(tensors, n)");
    return q.template dequeue_many<static_cast<std::size_t>(B)>();
  } else {
    if (batch_size <= 0) throw invalid_argument("batch: the batch size must be positive");
    return o.allow_smaller_final_batch ? q.dequeue_up_to(batch_size) : q.dequeue_many(batch_size);
  }
}

/// The op that enqueues batch's input: one example, or (enqueue_many) a batch of them.
template <class Q, class X>
Operation enqueue_op(Q& q, const X& tensors) {
  return q.enqueue(tensors);
}
template <class Q, class X>
Operation enqueue_op(Q& q, const enqueue_many_t<X>& many) {
  return q.enqueue_many(many.tensors);
}

template <class Q, class X>
void run_into_queue(Q& q, const X& tensors, const batch_options& o) {
  std::vector<Operation> enqueues(static_cast<std::size_t>(std::max(o.num_threads, 1)), enqueue_op(q, tensors));
  add_queue_runner(QueueRunner(q, std::move(enqueues)));
}
}  // namespace detail

/// Batches of `tensors` (one tensor or a std::tuple of them, each one
/// example; or sl::train::enqueue_many of them, each a batch of examples), made by a FIFOQueue of `capacity` filled by `num_threads` runner
/// threads (TF's tf.train.batch). `batch<B>(...)` gives the batch dimension B
/// statically; `batch(tensors, n, ...)` leaves it dyn. With
/// allow_smaller_final_batch the batch dimension is dyn and the last batch
/// after the input closed may be smaller; otherwise the input's end is
/// sl::out_of_range.
template <std::ptrdiff_t B = dyn, class X>
auto batch(const X& tensors, std::int32_t batch_size = static_cast<std::int32_t>(B), std::int64_t capacity = 32,
           const batch_options& o = {}) {
  using P = detail::batch_parts<X>;
  Graph& g = detail::batch_graph(tensors);
  FIFOQueue<typename P::types, typename P::shapes> q(
      g, capacity, {.name = o.name.empty() ? "batch/fifo_queue" : o.name, .shared_name = o.shared_name});
  detail::run_into_queue(q, tensors, o);
  return detail::batch_from<B>(q, batch_size, o);
}

/// Batches of `tensors` in random order, made by a RandomShuffleQueue of
/// `capacity` that keeps `min_after_dequeue` elements to mix (TF's
/// tf.train.shuffle_batch); seeded as TF's random ops. Otherwise as batch.
template <std::ptrdiff_t B = dyn, class X>
auto shuffle_batch(const X& tensors, std::int32_t batch_size, std::int64_t capacity, std::int64_t min_after_dequeue,
                   std::uint64_t seed = 0, const batch_options& o = {}) {
  using P = detail::batch_parts<X>;
  Graph& g = detail::batch_graph(tensors);
  RandomShuffleQueue<typename P::types, typename P::shapes> q(
      g, capacity, min_after_dequeue,
      {.name = o.name.empty() ? "shuffle_batch/random_shuffle_queue" : o.name, .shared_name = o.shared_name, .seed = seed});
  detail::run_into_queue(q, tensors, o);
  return detail::batch_from<B>(q, batch_size, o);
}
/// shuffle_batch with the batch dimension B static.
template <std::ptrdiff_t B, class X>
  requires(B != dyn)
auto shuffle_batch(const X& tensors, std::int64_t capacity, std::int64_t min_after_dequeue, std::uint64_t seed = 0,
                   const batch_options& o = {}) {
  return shuffle_batch<B>(tensors, static_cast<std::int32_t>(B), capacity, min_after_dequeue, seed, o);
}

}  // namespace sessionlib::train
