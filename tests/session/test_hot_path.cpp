// The executor's hot path allocates nothing once a callable has run with the
// same shapes (issue 5): counted by replacing the global operator new in this
// executable. oneTBB and OpenBLAS allocate through their own pools (malloc), so
// only the library's own C++ allocations are counted.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <sessionlib/sessionlib.hpp>

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

void* counted(std::size_t n, std::size_t align) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align) : std::malloc(n);
  if (!p) throw std::bad_alloc();
  return p;
}

/// operator new calls made by `f`.
template <class F>
std::size_t allocations_in(F&& f) {
  allocations.store(0);
  counting.store(true);
  f();
  counting.store(false);
  return allocations.load();
}
}  // namespace

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
// The whole replaceable set, so no sanitizer runtime's own definition is linked beside these.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try { return counted(n, 0); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try { return counted(n, 0); } catch (...) { return nullptr; }
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try { return counted(n, static_cast<std::size_t>(a)); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try { return counted(n, static_cast<std::size_t>(a)); } catch (...) { return nullptr; }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

TEST_CASE("a callable writing into the caller's array allocates nothing after its first call") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a"), b = sl::placeholder<float, shape<dyn>>(g, "b"),
       c = sl::placeholder<float, shape<dyn>>(g, "c");
  auto y = sl::nn::relu(a * b + c) * 2.0f - a;
  for (bool fusion : {true, false}) {
    CAPTURE(fusion);
    sl::SessionConfig config;
    config.optimizer.fusion = fusion;
    config.intra_op_threads = 1;
    sl::Session sess(g, config);
    auto f = sess.make_callable(y, sl::feed_list(a, b, c), sl::into);
    for (std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{100000}}) {
      CAPTURE(n);
      xt::xtensor<float, 1> av = xt::arange<float>(static_cast<float>(n)), bv = xt::ones<float>({n}),
                            cv = xt::zeros<float>({n}), r;
      f(r, av, bv, cv);  // the first call with these shapes sizes every buffer
      CHECK(allocations_in([&] {
              for (int i = 0; i < 20; ++i) f(r, av, bv, cv);
            }) == 0);
      CHECK(r(n - 1) == static_cast<float>(n - 1));  // relu(x) * 2 - x = x for x >= 0
    }
  }
}

TEST_CASE("a callable returning a fresh result allocates only the result") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto y = (a * 3.0f + 1.0f) * a;
  // One thread: a oneTBB worker joining a later call would size its own block scratch once.
  sl::SessionConfig config;
  config.intra_op_threads = 1;
  sl::Session sess(g, config);
  auto f = sess.make_callable(y, sl::feed_list(a));
  // From the second call on, the result array is made first, sized as the last
  // call's, and lent to the run (session/lend.hpp): the fused step writes into
  // it. Its storage comes from xtensor's allocator (malloc, not counted here),
  // so no operator new at all, small or large (no shared storage object).
  for (std::size_t n : {std::size_t{1000}, std::size_t{100000}}) {
    CAPTURE(n);
    xt::xtensor<float, 1> x = xt::ones<float>({n});
    (void)f(x);
    CHECK(allocations_in([&] {
            for (int i = 0; i < 10; ++i) {
              xt::xtensor<float, 1> r = f(x);
              CHECK(r.shape(0) == n);
              CHECK(r(n - 1) == 4.0f);
            }
          }) == 0);
  }
}

TEST_CASE("a training step through make_callable allocates nothing after its first call") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 8>>(g, "x");
  auto labels = sl::placeholder<std::int64_t, shape<dyn>>(g, "labels");
  sl::Variable<float, shape<8, 16>> w1(g, sl::init::glorot_uniform<float>(1), "w1");
  sl::Variable<float, shape<16>> b1(g, sl::init::zeros<float>(), "b1");
  sl::Variable<float, shape<16, 3>> w2(g, sl::init::glorot_uniform<float>(2), "w2");
  auto logits = sl::matmul(sl::nn::relu(sl::matmul(x, w1) + b1), w2);
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(labels, logits));
  auto train = sl::train::GradientDescentOptimizer(0.1f).minimize(loss);
  sl::SessionConfig config;
  config.intra_op_threads = 1;
  config.inter_op_threads = 1;
  sl::Session sess(g, config);
  sess.run(sl::global_variables_initializer(g));
  auto step = sess.make_callable(std::tuple{train, loss}, sl::feed_list(x, labels));
  xt::xtensor<float, 2> xv = xt::zeros<float>({32, 8});
  xt::xtensor<std::int64_t, 1> yv = xt::zeros<std::int64_t>({32});
  for (std::size_t i = 0; i < 32; ++i) {
    xv(i, i % 8) = 1.0f;
    yv(i) = static_cast<std::int64_t>(i % 3);
  }
  const float first = std::get<1>(step(xv, yv));
  float last = first;
  CHECK(allocations_in([&] {
          for (int i = 0; i < 50; ++i) last = std::get<1>(step(xv, yv));
        }) == 0);
  CHECK(last < first);  // it trains
}

TEST_CASE("a callable fed a run-time-length list allocates nothing after its first call") {
  sl::Graph g;
  std::vector<sl::Tensor<float, shape<dyn>>> xs;
  for (int i = 0; i < 3; ++i) xs.push_back(sl::placeholder<float, shape<dyn>>(g));
  auto y = (xs[0] * xs[1] + xs[2]) * 2.0f;
  sl::SessionConfig config;
  config.intra_op_threads = 1;
  sl::Session sess(g, config);
  auto f = sess.make_callable(y, sl::feed_list(xs));
  const std::vector<xt::xtensor<float, 1>> vals(3, xt::ones<float>({1000}));
  (void)f(vals);
  CHECK(allocations_in([&] {
          for (int i = 0; i < 10; ++i) {
            xt::xtensor<float, 1> r = f(vals);
            CHECK(r(999) == 4.0f);
          }
        }) == 0);
}
