// conv2d, max_pool and avg_pool forward: static result shapes, values against a
// naive reference loop (SAME/VALID, strides 1 and 2, pointwise), run-time errors.
#include <doctest/doctest.h>

#include <cmath>
#include <sessionlib/ops/conv.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
template <class T>
xt::xtensor<T, 4> ramp(std::size_t n, std::size_t h, std::size_t w, std::size_t c, double scale, double shift) {
  xt::xtensor<T, 4> a({n, h, w, c});
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<T>(std::sin(scale * static_cast<double>(i) + shift));
  return a;
}

std::size_t out_size(std::size_t in, std::size_t k, std::size_t s, bool same) {
  return same ? (in + s - 1) / s : (in - k) / s + 1;
}
std::ptrdiff_t pad(std::size_t in, std::size_t k, std::size_t s, bool same) {
  if (!same) return 0;
  const std::ptrdiff_t need = static_cast<std::ptrdiff_t>((out_size(in, k, s, true) - 1) * s + k) - static_cast<std::ptrdiff_t>(in);
  return std::max<std::ptrdiff_t>(need, 0) / 2;
}

// The textbook definition of TF's conv2d (cross-correlation, NHWC x HWIO).
template <class T>
xt::xtensor<T, 4> ref_conv(const xt::xtensor<T, 4>& x, const xt::xtensor<T, 4>& f, std::size_t sh, std::size_t sw, bool same) {
  const std::size_t n = x.shape(0), h = x.shape(1), w = x.shape(2), c = x.shape(3);
  const std::size_t kh = f.shape(0), kw = f.shape(1), o = f.shape(3);
  const std::size_t oh = out_size(h, kh, sh, same), ow = out_size(w, kw, sw, same);
  const std::ptrdiff_t pt = pad(h, kh, sh, same), pl = pad(w, kw, sw, same);
  xt::xtensor<T, 4> y = xt::zeros<T>({n, oh, ow, o});
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t i = 0; i < oh; ++i)
      for (std::size_t j = 0; j < ow; ++j)
        for (std::size_t q = 0; q < o; ++q) {
          long double s = 0;
          for (std::size_t di = 0; di < kh; ++di)
            for (std::size_t dj = 0; dj < kw; ++dj) {
              const std::ptrdiff_t yi = static_cast<std::ptrdiff_t>(i * sh + di) - pt, xj = static_cast<std::ptrdiff_t>(j * sw + dj) - pl;
              if (yi < 0 || xj < 0 || yi >= static_cast<std::ptrdiff_t>(h) || xj >= static_cast<std::ptrdiff_t>(w)) continue;
              for (std::size_t ch = 0; ch < c; ++ch)
                s += static_cast<long double>(x(b, static_cast<std::size_t>(yi), static_cast<std::size_t>(xj), ch)) * f(di, dj, ch, q);
            }
          y(b, i, j, q) = static_cast<T>(s);
        }
  return y;
}

template <class T>
xt::xtensor<T, 4> ref_pool(const xt::xtensor<T, 4>& x, std::size_t kh, std::size_t kw, std::size_t sh, std::size_t sw,
                           bool same, bool max) {
  const std::size_t n = x.shape(0), h = x.shape(1), w = x.shape(2), c = x.shape(3);
  const std::size_t oh = out_size(h, kh, sh, same), ow = out_size(w, kw, sw, same);
  const std::ptrdiff_t pt = pad(h, kh, sh, same), pl = pad(w, kw, sw, same);
  xt::xtensor<T, 4> y({n, oh, ow, c});
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t i = 0; i < oh; ++i)
      for (std::size_t j = 0; j < ow; ++j)
        for (std::size_t ch = 0; ch < c; ++ch) {
          long double acc = max ? -INFINITY : 0;
          std::size_t cnt = 0;
          for (std::size_t di = 0; di < kh; ++di)
            for (std::size_t dj = 0; dj < kw; ++dj) {
              const std::ptrdiff_t yi = static_cast<std::ptrdiff_t>(i * sh + di) - pt, xj = static_cast<std::ptrdiff_t>(j * sw + dj) - pl;
              if (yi < 0 || xj < 0 || yi >= static_cast<std::ptrdiff_t>(h) || xj >= static_cast<std::ptrdiff_t>(w)) continue;
              const long double v = x(b, static_cast<std::size_t>(yi), static_cast<std::size_t>(xj), ch);
              acc = max ? std::max(acc, v) : acc + v;
              ++cnt;
            }
          y(b, i, j, ch) = static_cast<T>(max ? acc : acc / cnt);
        }
  return y;
}

template <class A, class B>
bool all_close(const A& a, const B& b, double tol) {
  if (a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(static_cast<double>(a.data()[i]) - static_cast<double>(b.data()[i])) > tol * (1 + std::abs(static_cast<double>(b.data()[i]))))
      return false;
  return true;
}
}  // namespace

TEST_CASE("conv2d and pools compute static result shapes") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 28, 28, 1>>(g, "x");
  auto w = sl::placeholder<float, shape<5, 5, 1, 32>>(g, "w");
  auto same = sl::nn::conv2d(x, w, sl::nn::SAME);
  auto valid = sl::nn::conv2d(x, w, sl::nn::VALID);
  auto strided = sl::nn::conv2d<2>(x, w, sl::nn::SAME);
  auto asym = sl::nn::conv2d<2, 3>(x, w, sl::nn::VALID);
  static_assert(std::is_same_v<decltype(same), sl::Tensor<float, shape<dyn, 28, 28, 32>>>);
  static_assert(std::is_same_v<decltype(valid), sl::Tensor<float, shape<dyn, 24, 24, 32>>>);
  static_assert(std::is_same_v<decltype(strided), sl::Tensor<float, shape<dyn, 14, 14, 32>>>);
  static_assert(std::is_same_v<decltype(asym), sl::Tensor<float, shape<dyn, 12, 8, 32>>>);
  auto p = sl::nn::max_pool<2>(same, sl::nn::VALID);
  auto q = sl::nn::avg_pool<3, 3, 2, 2>(same, sl::nn::SAME);
  static_assert(std::is_same_v<decltype(p), sl::Tensor<float, shape<dyn, 14, 14, 32>>>);
  static_assert(std::is_same_v<decltype(q), sl::Tensor<float, shape<dyn, 14, 14, 32>>>);
  auto d = sl::placeholder<float, shape<dyn, dyn, dyn, 3>>(g, "d");
  auto wd = sl::placeholder<float, shape<3, 3, 3, 8>>(g, "wd");
  static_assert(std::is_same_v<decltype(sl::nn::conv2d(d, wd, sl::nn::SAME)), sl::Tensor<float, shape<dyn, dyn, dyn, 8>>>);
  CHECK(g.at(same.id()).op == "Conv2D");
  CHECK(g.at(p.id()).op == "MaxPool");
  CHECK(g.at(q.id()).op == "AvgPool");
}

TEST_CASE_TEMPLATE("conv2d matches the naive definition", T, float, double) {
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  sl::Graph g;
  auto x = sl::placeholder<T, shape<dyn, dyn, dyn, 3>>(g, "x");
  auto w3 = sl::placeholder<T, shape<3, 3, 3, 4>>(g, "w3");
  auto w2 = sl::placeholder<T, shape<2, 4, 3, 5>>(g, "w2");
  auto w1 = sl::placeholder<T, shape<1, 1, 3, 6>>(g, "w1");
  const auto xv = ramp<T>(2, 7, 6, 3, 0.37, 0.1);
  const auto w3v = ramp<T>(3, 3, 3, 4, 0.71, 0.5);
  const auto w2v = ramp<T>(2, 4, 3, 5, 0.23, -0.3);
  const auto w1v = ramp<T>(1, 1, 3, 6, 1.3, 0.2);
  sl::Session sess(g);
  auto run = [&](auto y, auto w, const xt::xtensor<T, 4>& wv) -> xt::xtensor<T, 4> {
    return sess.run(y, {{x, xv}, {w, wv}});
  };
  SUBCASE("3x3 SAME and VALID, strides 1 and 2") {
    CHECK(all_close(run(sl::nn::conv2d(x, w3, sl::nn::SAME), w3, w3v), ref_conv(xv, w3v, 1, 1, true), tol));
    CHECK(all_close(run(sl::nn::conv2d(x, w3, sl::nn::VALID), w3, w3v), ref_conv(xv, w3v, 1, 1, false), tol));
    CHECK(all_close(run(sl::nn::conv2d<2>(x, w3, sl::nn::SAME), w3, w3v), ref_conv(xv, w3v, 2, 2, true), tol));
    CHECK(all_close(run(sl::nn::conv2d<2>(x, w3, sl::nn::VALID), w3, w3v), ref_conv(xv, w3v, 2, 2, false), tol));
  }
  SUBCASE("an even, non-square window with asymmetric strides") {
    CHECK(all_close(run(sl::nn::conv2d<2, 1>(x, w2, sl::nn::SAME), w2, w2v), ref_conv(xv, w2v, 2, 1, true), tol));
    CHECK(all_close(run(sl::nn::conv2d<1, 3>(x, w2, sl::nn::VALID), w2, w2v), ref_conv(xv, w2v, 1, 3, false), tol));
  }
  SUBCASE("pointwise (1x1) skips im2col") {
    CHECK(all_close(run(sl::nn::conv2d(x, w1, sl::nn::SAME), w1, w1v), ref_conv(xv, w1v, 1, 1, true), tol));
    CHECK(all_close(run(sl::nn::conv2d<2>(x, w1, sl::nn::VALID), w1, w1v), ref_conv(xv, w1v, 2, 2, false), tol));
  }
  SUBCASE("a second run with another batch size reuses the kernel") {
    const auto xb = ramp<T>(3, 7, 6, 3, 0.11, 0.4);
    xt::xtensor<T, 4> y = sess.run(sl::nn::conv2d(x, w3, sl::nn::SAME), {{x, xb}, {w3, w3v}});
    CHECK(all_close(y, ref_conv(xb, w3v, 1, 1, true), tol));
  }
}

TEST_CASE_TEMPLATE("max_pool and avg_pool match the naive definition", T, float, double) {
  const double tol = std::is_same_v<T, float> ? 1e-6 : 1e-13;
  sl::Graph g;
  auto x = sl::placeholder<T, shape<dyn, 7, 6, 3>>(g, "x");
  const auto xv = ramp<T>(2, 7, 6, 3, 0.37, 0.1);
  sl::Session sess(g);
  auto run = [&](auto y) -> xt::xtensor<T, 4> { return sess.run(y, {{x, xv}}); };
  CHECK(all_close(run(sl::nn::max_pool<2>(x, sl::nn::VALID)), ref_pool(xv, 2, 2, 2, 2, false, true), tol));
  CHECK(all_close(run(sl::nn::max_pool<2>(x, sl::nn::SAME)), ref_pool(xv, 2, 2, 2, 2, true, true), tol));
  CHECK(all_close(run(sl::nn::max_pool<3, 3, 1, 1>(x, sl::nn::SAME)), ref_pool(xv, 3, 3, 1, 1, true, true), tol));
  CHECK(all_close(run(sl::nn::avg_pool<2>(x, sl::nn::VALID)), ref_pool(xv, 2, 2, 2, 2, false, false), tol));
  CHECK(all_close(run(sl::nn::avg_pool<3, 2, 2, 1>(x, sl::nn::SAME)), ref_pool(xv, 3, 2, 2, 1, true, false), tol));
}

TEST_CASE("conv2d run-time errors name the node") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, dyn, dyn, dyn>>(g, "x");
  auto w = sl::placeholder<float, shape<3, 3, dyn, 2>>(g, "w");
  auto y = sl::nn::conv2d(x, w, sl::nn::VALID, "conv");
  sl::Session sess(g);
  xt::xtensor<float, 4> small = xt::zeros<float>({1, 2, 5, 1}), wv = xt::zeros<float>({3, 3, 1, 2});
  try {
    (void)sess.run(y, {{x, small}, {w, wv}});
    FAIL("expected an error");
  } catch (const sl::invalid_argument& e) {
    CHECK(std::string(e.what()) == "Computed output size would be negative: 0 [input_size: 2, effective_filter_size: 3, stride: 1]");
    CHECK(e.node() == "conv");
  }
  xt::xtensor<float, 4> two_ch = xt::zeros<float>({1, 5, 5, 2});
  CHECK_THROWS_WITH_AS((void)sess.run(y, {{x, two_ch}, {w, wv}}),
                       "input depth must be evenly divisible by filter depth: 2 vs 1", sl::invalid_argument);
}
