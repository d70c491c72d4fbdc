// The input pipeline's queue templates, declared by the umbrella header. Their
// definitions are the opt-in part <sessionlib/input.hpp> (ops/queue.hpp), which
// a first program need not compile; the primary templates below only turn a
// queue used without that include into a `sessionlib:` error naming it.
#pragma once

namespace sessionlib {

namespace detail {
/// The tag that selects the real queue templates (partial specializations in ops/queue.hpp).
struct input_part {};
template <class>
inline constexpr bool input_part_missing = false;
}  // namespace detail

// The static_assert fires only where a queue is used without its definition.
#define SESSIONLIB_INPUT_PART_(Name)                                                                        \
  template <class Types, class Shapes, class Part = detail::input_part>                                     \
  class Name {                                                                                              \
    static_assert(detail::input_part_missing<Types>,                                                        \
                  "sessionlib: " #Name " is in the input pipeline part: #include <sessionlib/input.hpp>"); \
  };
/// tf.queue.FIFOQueue (ops/queue.hpp; #include <sessionlib/input.hpp>).
SESSIONLIB_INPUT_PART_(FIFOQueue)
/// tf.queue.PaddingFIFOQueue (ops/queue.hpp; #include <sessionlib/input.hpp>).
SESSIONLIB_INPUT_PART_(PaddingFIFOQueue)
/// tf.queue.RandomShuffleQueue (ops/queue.hpp; #include <sessionlib/input.hpp>).
SESSIONLIB_INPUT_PART_(RandomShuffleQueue)
/// tf.queue.PriorityQueue (ops/queue.hpp; #include <sessionlib/input.hpp>).
SESSIONLIB_INPUT_PART_(PriorityQueue)
#undef SESSIONLIB_INPUT_PART_

}  // namespace sessionlib
