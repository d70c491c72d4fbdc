// expect: sessionlib: cond: the branches return different types
// expect-one-of: Tensor<float, sessionlib::shape<> > | Tensor<float, sessionlib::shape<>>
// expect-one-of: Tensor<int, sessionlib::shape<> > | Tensor<int, sessionlib::shape<>>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto x = sl::placeholder<float, sl::shape<>>(g, "x");
  auto ok = sl::cond(p, [&] { return x * 2.f; }, [&] { return x; });
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::cond(p, [&] { return x * 2.f; }, [&] { return sl::constant(g, 1); });  // TF: "... must have the same dtype"
  (void)bad;
#endif
}
