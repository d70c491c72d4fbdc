// A small graph with variables of three dtypes and ranks, for the Saver tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <sessionlib/sessionlib.hpp>

#include "temp_dir.hpp"

namespace sessionlib_test {

namespace sl = sessionlib;

struct saver_model {
  sl::Graph g;
  sl::Variable<float, sl::shape<2, 3>> w{g, sl::init::glorot_uniform<float>(3), "dense/w"};
  sl::Variable<double, sl::shape<3>> b{g, xt::xtensor<double, 1>{0.5, -1.5, 2.25}, "dense/b"};
  sl::Variable<std::int64_t, sl::shape<>> step{g, 0, "global_step"};
  sl::Operation init = sl::global_variables_initializer(g);

  /// Gives the variables of `sess` distinctive values, varying with `k`.
  void set(sl::Session& sess, float k) {
    auto nw = sl::constant(g, {{k, 2 * k, 3 * k}, {-k, 0.f, 1.f}});
    auto nb = sl::constant(g, {double(k), 1.0, -2.0});
    sess.run(std::tuple{w.assign(nw), b.assign(nb), step.assign(static_cast<std::int64_t>(k))});
  }
  /// True when `sess` holds the values set(…, k) gave.
  bool holds(sl::Session& sess, float k) {
    auto [wv, bv, sv] = sess.run(std::tuple{w, b, step});
    const xt::xtensor<float, 2> ww{{k, 2 * k, 3 * k}, {-k, 0.f, 1.f}};
    const xt::xtensor<double, 1> bb{double(k), 1.0, -2.0};
    return wv == ww && bv == bb && sv == static_cast<std::int64_t>(k);
  }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
inline void spit(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace sessionlib_test
