// split_work: how a kernel splits its work across oneTBB's threads. Included
// by runtime/kernel.hpp where kernels' bodies are compiled and by
// custom_op.hpp; a separate unit (config.hpp) needs none of oneTBB otherwise.
#pragma once

#include <utility>

#include <tbb/task_arena.h>

#include "kernel.hpp"

namespace sessionlib {

/// Runs f(), a kernel's work split across oneTBB threads, inside `arena` (the
/// session's intra-op arena, which bounds the threads), or in oneTBB's default
/// arena when null. The executor enters no arena itself: a run whose kernels
/// never split (small work) pays nothing for it.
template <class F>
void split_work(tbb::task_arena* arena, F&& f) {
  if (arena) arena->execute(std::forward<F>(f));
  else std::forward<F>(f)();
}

}  // namespace sessionlib
