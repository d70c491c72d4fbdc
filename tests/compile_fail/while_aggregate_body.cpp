// expect: sessionlib: while_loop: a body over a struct of loop variables must return that struct
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
struct state {
  sl::Tensor<int, sl::shape<>> i;
  sl::Tensor<float, sl::shape<3>> acc;
};
int main() {
  sl::Graph g;
  const state s0{sl::constant(g, 0), sl::constant(g, {1.f, 2.f, 3.f})};
  state ok = sl::while_loop([](const state& s) { return s.i < 3; },
                            [](const state& s) { return state{s.i + 1, s.acc * 2.f}; }, s0);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::while_loop([](const state& s) { return s.i < 3; },
                            [](const state& s) { return std::tuple{s.i + 1, s.acc * 2.f}; }, s0);
  (void)bad;
#endif
}
