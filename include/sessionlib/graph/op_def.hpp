// Op definitions: every op kind is a value (`op_def`) the planner, gradients
// and optimizers read, never a string they compare. A node points at its op's
// definition, resolved once when the node is added (graph/graph.hpp).
//
// One registry maps TF's op type names ("AddV2", "MatMul", "VariableV2") to
// their definitions. The built-in ops whose planning differs from a plain
// computation (views, constants, placeholders, state, costly kernels) are
// listed below; any other type gets a definition with no flags on first use.
// A custom op states its own with `sl::define_op` before its first node:
//
//     sl::define_op({.type = "MyCopy", .flags = sl::op_flags::view});
//
// The registry is a function-local static, so no header depends on the order of
// static initialisation, and it is safe to use from several threads.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "../config.hpp"
#include "../core/error.hpp"

namespace sessionlib {

/// What passes may assume of an op kind, as flags a custom op can state.
enum class op_flags : std::uint16_t {
  none = 0,
  /// Reads or writes session state or randomness: never folded or merged.
  stateful = 1u << 0,
  /// Its value is fixed in the graph (Const): folded into plans, merged only by value.
  constant = 1u << 1,
  /// Fed by the caller (Placeholder): never folded or merged.
  placeholder = 1u << 2,
  /// Its output is another value's buffer, or a value held elsewhere (views,
  /// variable reads, constants): no work, and never given a buffer to share.
  view = 1u << 3,
  /// Its output may be an input's buffer (assignments, SumToShape when nothing
  /// was broadcast): a buffer handed to it could be dropped, so none is.
  may_alias_input = 1u << 4,
  /// Gradients do not flow through it (StopGradient).
  stops_gradient = 1u << 5,
  /// A variable's node (VariableV2): optimizers and savers accept it as a variable.
  variable = 1u << 6,
  /// May wait for another run (a queue's enqueue or dequeue): a plan holding one
  /// runs in order on the calling thread, never on the inter-op pool, so blocked
  /// steps cannot occupy the pool's threads that other runs need to make progress.
  blocking = 1u << 7,
  /// Hands work to another thread and returns (an MPI allreduce's start): the
  /// planner orders such steps, with what they need, before the plan's other
  /// steps, so the work they start overlaps those steps (runtime/plan.hpp).
  starts_early = 1u << 8,
};

constexpr op_flags operator|(op_flags a, op_flags b) noexcept {
  return static_cast<op_flags>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
/// True when `set` has every flag of `f`.
constexpr bool has(op_flags set, op_flags f) noexcept {
  return (static_cast<std::uint16_t>(set) & static_cast<std::uint16_t>(f)) == static_cast<std::uint16_t>(f);
}

/// How the scheduler estimates a step's work from its shapes.
enum class op_cost : std::uint8_t {
  elementwise,  // about one operation per element of the largest operand
  none,         // nothing, whatever the shape (views)
  matmul,       // multiply-adds of a matrix product, at BLAS speed
  conv,         // several multiply-adds per output element
};

/// One op kind: TF's op type name and what passes read of it.
struct op_def {
  std::string type;           // TF's op type: "AddV2", "MatMul", "VariableV2"
  op_flags flags = op_flags::none;
  op_cost cost = op_cost::elementwise;

  bool is(op_flags f) const noexcept { return has(flags, f); }
  friend bool operator==(const op_def&, const op_def&) = default;
};

/// The op definitions by type name. Definitions are never removed or moved, so
/// a node may keep a pointer to its own.
class op_registry {
 public:
  /// The process's registry, with the built-in definitions.
  static op_registry& global() {
    static op_registry r;
    return r;
  }

  /// The definition of `type`, or null when it has none yet.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE const op_def* find(std::string_view type) const {
    std::shared_lock lock(m_);
    auto it = by_type_.find(std::string(type));
    return it == by_type_.end() ? nullptr : it->second;
  }

  /// The definition of `type`, registering one with no flags on first use.
  SESSIONLIB_INLINE const op_def& resolve(std::string_view type) {
    if (const op_def* d = find(type)) return *d;
    std::unique_lock lock(m_);
    return add_locked(op_def{.type = std::string(type)});
  }

  /// Registers `def`; a type already defined otherwise is sl::already_exists.
  SESSIONLIB_INLINE const op_def& define(op_def def) {
    std::unique_lock lock(m_);
    if (auto it = by_type_.find(def.type); it != by_type_.end()) {
      if (*it->second == def) return *it->second;
      throw already_exists("Op type '" + def.type + "' is already defined with other flags");
    }
    return add_locked(std::move(def));
  }
#else
  SESSIONLIB_DECLARE const op_def* find(std::string_view type) const;
  SESSIONLIB_DECLARE const op_def& resolve(std::string_view type);
  SESSIONLIB_DECLARE const op_def& define(op_def def);
#endif

 private:
  // Not SESSIONLIB_INLINE: clang emits a used inline constructor in the library
  // only as the base-object variant, and separate units call the complete one.
  // Its body is add_builtins(), out of line in separate units.
  op_registry() { add_builtins(); }

#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void add_builtins() {
    using f = op_flags;
    using c = op_cost;
    // Values held elsewhere or views of another value's buffer: no work.
    add_locked({"Const", f::constant | f::view, c::none});
    add_locked({"Placeholder", f::placeholder, c::none});
    add_locked({"PlaceholderWithDefault", f::placeholder | f::view, c::none});
    add_locked({"VariableV2", f::variable | f::view | f::stateful, c::none});
    add_locked({"IsVariableInitialized", f::view | f::stateful, c::none});
    for (const char* view : {"Identity", "Reshape", "ReshapeLike", "ExpandDims", "Squeeze"})
      add_locked({view, f::view, c::none});
    add_locked({"StopGradient", f::view | f::stops_gradient, c::none});
    // Outputs that may be an input's buffer.
    for (const char* assign : {"Assign", "AssignAdd", "AssignSub", "AssignAddOne"})
      add_locked({assign, f::may_alias_input | f::stateful});
    for (const char* forward : {"SumToShape", "BroadcastToShape"}) add_locked({forward, f::may_alias_input});
    // Queues (ops/queue.hpp): resources of each session; enqueues and dequeues wait.
    for (const char* q : {"FIFOQueueV2", "RandomShuffleQueueV2", "PaddingFIFOQueueV2", "PriorityQueueV2", "QueueCloseV2",
                          "QueueSizeV2", "QueueIsClosedV2"})
      add_locked({q, f::stateful, c::none});
    for (const char* q : {"QueueEnqueueV2", "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2",
                          "QueueDequeueUpToV2"})
      add_locked({q, f::stateful | f::blocking, c::none});
    // Tensor handles (ops/session_ops.hpp): the session's tensor store.
    add_locked({"GetSessionHandle", f::view | f::stateful, c::none});
    add_locked({"GetSessionTensor", f::view | f::stateful, c::none});
    add_locked({"DeleteSessionTensor", f::stateful, c::none});
    // Readers (ops/reader.hpp): resources of each session; a read waits for a file name.
    for (const char* r : {"FixedLengthRecordReaderV2", "TextLineReaderV2", "TFRecordReaderV2", "IdentityReaderV2",
                          "ReaderNumRecordsProducedV2", "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2"})
      add_locked({r, f::stateful, c::none});
    add_locked({"ReaderReadV2", f::stateful | f::blocking, c::none});
    // Control flow (ops/control_flow.hpp): a body's arguments are fed by the
    // kernel that runs it; the functional ops may run anything, and their
    // outputs may be their inputs' buffers (a body returning a captured value).
    add_locked({"_Arg", f::placeholder, c::none});
    for (const char* cf : {"If", "While", "Scan", "WhileGrad", "ScanGrad"}) add_locked({cf, f::stateful | f::may_alias_input});
    // Costly kernels.
    for (const char* mm : {"MatMul", "BatchMatMulV2"}) add_locked({mm, f::none, c::matmul});
    for (const char* conv : {"Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"}) add_locked({conv, f::none, c::conv});
  }

  SESSIONLIB_INLINE const op_def& add_locked(op_def def) {
    const op_def& d = defs_.emplace_back(std::move(def));
    by_type_.emplace(d.type, &d);
    return d;
  }
#else
  SESSIONLIB_DECLARE void add_builtins();
#endif

  mutable std::shared_mutex m_;
  std::deque<op_def> defs_;
  std::unordered_map<std::string, const op_def*> by_type_;
};

/// Defines a custom op kind's flags (TF's REGISTER_OP, the parts planning reads),
/// before its first node is created. Returns the registered definition.
#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE const op_def& define_op(op_def def) { return op_registry::global().define(std::move(def)); }
#else
SESSIONLIB_DECLARE const op_def& define_op(op_def def);
#endif

}  // namespace sessionlib
