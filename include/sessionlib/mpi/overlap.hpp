// Allreduces overlapped with the backward pass (Horovod's background thread):
// DistributedOptimizer splits each fused allreduce into a start node, which
// packs the gradients and hands the allreduce to this process's communication
// thread, and a done node, which waits for it and unpacks the averages. The
// planner runs start nodes as soon as their gradients are computed
// (op_flags::starts_early), done nodes where the optimizer first reads them,
// so the executor's thread computes the rest of the backward pass meanwhile.
// The communication thread runs the allreduces in the order they were started
// (the plan's order, the same on every rank) on a communicator of its own, so
// they never interleave with the collectives of the executor's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ops.hpp"
#include "runtime.hpp"

namespace sessionlib::mpi::detail {

/// One allreduce handed to the communication thread: the packed gradients
/// (reduced in place), their shapes, and once it is done, its error if any.
struct pending_allreduce {
  any_array buffer;
  std::vector<dims> shapes;
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;

  /// Marks the allreduce done, failed with `e` (null: it succeeded).
  void finish(std::exception_ptr e) {
    {
      std::lock_guard lock(m);
      error = std::move(e);
      done = true;
    }
    cv.notify_all();
  }
  /// Waits until the allreduce is done; rethrows its error.
  void wait() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return done; });
    if (error) std::rethrow_exception(error);
  }
};

/// The process's communication thread: runs posted jobs one at a time, in the
/// order posted. Started on first use, joined at exit (before MPI is finalised:
/// it is made after world, so it is destroyed first).
class comm_thread {
 public:
  /// The one instance, started on first use.
  static comm_thread& get() {
    static comm_thread t;
    return t;
  }
  comm_thread(const comm_thread&) = delete;
  comm_thread& operator=(const comm_thread&) = delete;
  ~comm_thread() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  /// Queues `job` behind the jobs posted before it.
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(m_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  comm_thread() {
    (void)world::get();  // MPI first: the world outlives this thread
    thread_ = std::thread([this] { loop(); });
  }
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, nothing left
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();  // catches its own errors (pending_allreduce::finish)
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

/// The allreduces started and not yet waited for, by ticket (the start node's
/// output, which the done node reads). A run that fails between a start and its
/// done leaves that allreduce here, finished or failed, until the process ends.
class pending_table {
 public:
  /// The one table of the process.
  static pending_table& get() {
    static pending_table t;
    return t;
  }
  /// Keeps `p` under a new ticket, which it returns.
  std::int64_t add(std::shared_ptr<pending_allreduce> p) {
    std::lock_guard lock(m_);
    const std::int64_t ticket = next_++;
    table_.emplace(ticket, std::move(p));
    return ticket;
  }
  /// Takes the allreduce of `ticket` out of the table (null: no such ticket).
  std::shared_ptr<pending_allreduce> take(std::int64_t ticket) {
    std::lock_guard lock(m_);
    auto it = table_.find(ticket);
    if (it == table_.end()) return nullptr;
    auto p = std::move(it->second);
    table_.erase(it);
    return p;
  }

 private:
  std::mutex m_;
  std::unordered_map<std::int64_t, std::shared_ptr<pending_allreduce>> table_;
  std::int64_t next_ = 1;
};

/// The start of an overlapped allreduce (sum): inputs 0..k-1 packed into one
/// buffer, whose MPI_Allreduce the communication thread runs; the output is the
/// ticket (int64 scalar) its done node waits on. Without MPI_THREAD_MULTIPLE,
/// or on one rank, the allreduce runs here, before the ticket is handed out.
template <class T>
void allreduce_start_kernel(kernel_context& ctx) {
  auto job = std::make_shared<pending_allreduce>();
  std::size_t total = 0;
  for (std::size_t i = 0; i < ctx.nin; ++i) {
    total += ctx.input(i).size();
    job->shapes.push_back(ctx.input(i).shape());
  }
  job->buffer.ensure(dtype_of<T>, dims{total});
  T* at = job->buffer.data<T>();
  for (std::size_t i = 0; i < ctx.nin; ++i) at = std::copy_n(ctx.input(i).data<T>(), ctx.input(i).size(), at);
  world& w = world::get();
  const int n = count(total, ctx.n.name);
  const MPI_Datatype t = datatype(dtype_of<T>, ctx.n.name);
  const bool overlap = w.size() > 1 && w.thread_level() >= MPI_THREAD_MULTIPLE;
  auto reduce = [job, n, t, overlap, node = ctx.n.name, bound = collective_bound(ctx.deadline, ctx.timeout)] {
    world& w = world::get();
    run_collective_on(
        w.overlap_comm(), "MPI_Allreduce", node, bound,
        [&] { return MPI_Allreduce(MPI_IN_PLACE, job->buffer.raw(), n, t, MPI_SUM, w.overlap_comm()); }, overlap);
  };
  if (overlap) {
    comm_thread::get().post([job, reduce] {
      try {
        reduce();
        job->finish(nullptr);
      } catch (...) {
        job->finish(std::current_exception());
      }
    });
  } else {
    reduce();
    job->finish(nullptr);
  }
  ctx.out.ensure(dtype::int64, dims{});
  ctx.out.data<std::int64_t>()[0] = pending_table::get().add(std::move(job));
}

/// The end of an overlapped allreduce: waits for the allreduce of the ticket
/// in input 0; output i is the reduced input i of its start node (mean divides
/// by the rank count, as the unfused allreduce does).
template <class T>
void allreduce_done_kernel(kernel_context& ctx) {
  const std::int64_t ticket = ctx.input(0).data<std::int64_t>()[0];
  const auto job = pending_table::get().take(ticket);
  if (!job) ctx.fail("MpiAllreduceDone: no allreduce was started under ticket " + std::to_string(ticket));
  job->wait();
  const auto op = static_cast<reduce_op>(ctx.attrs<mpi_attrs>().reduce_op);
  const T ranks = static_cast<T>(world::get().size());
  const T* from = job->buffer.data<T>();
  for (std::size_t i = 0; i < job->shapes.size(); ++i) {
    any_array& out = ctx.output(i);
    out.ensure(dtype_of<T>, job->shapes[i]);
    T* o = out.data<T>();
    const std::size_t size = out.size();
    if (op == reduce_op::mean)
      for (std::size_t j = 0; j < size; ++j) o[j] = from[j] / ranks;
    else
      std::copy_n(from, size, o);
    from += size;
  }
}

template <class T> struct allreduce_start_k { static constexpr kernel_fn fn = allreduce_start_kernel<T>; };
template <class T> struct allreduce_done_k { static constexpr kernel_fn fn = allreduce_done_kernel<T>; };

/// An overlapped allreduce (`op`: sum or mean) of `grads`, all of dtype `t` and
/// static shapes: a start node and its done node, named `name`/Start and
/// `name`/Done. Returns the done node, whose output i is the reduced grads[i].
inline node_id add_overlapped_allreduce(Graph& g, const std::vector<output_ref>& grads, reduce_op op, dtype t,
                                        const std::string& name) {
  define_ops();
  std::vector<output_spec> outputs;
  for (output_ref r : grads) outputs.push_back({t, erased::shape_of(g, r)});
  const mpi_attrs a{.reduce_op = static_cast<std::int64_t>(op)};
  const node_id start = add_tensor_node(g,
                                        {.op = "MpiAllreduceStart", .name = name + "/Start", .inputs = grads,
                                         .kernel = kernel_for<allreduce_start_k>(t), .attr = {.family = a},
                                         .stateful = true},
                                        dtype::int64, {});
  return add_multi_output_node(g,
                               {.op = "MpiAllreduceDone", .name = name + "/Done", .inputs = {output_ref{start}},
                                .kernel = kernel_for<allreduce_done_k>(t), .attr = {.family = a}, .stateful = true},
                               std::move(outputs));
}

}  // namespace sessionlib::mpi::detail
