// expect: sessionlib: while_loop: the body changes a loop variable's type
// expect-one-of: Position = 1 | while_body_changes<1
// expect-one-of: Tensor<double, sessionlib::shape<> > | Tensor<double, sessionlib::shape<>>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto i0 = sl::constant(g, 0);
  auto x0 = sl::constant(g, 1.f);
  auto ok = sl::while_loop([](auto i, auto) { return i < 3; },
                           [](auto i, auto x) { return std::tuple{i + 1, x * 2.f}; }, std::tuple{i0, x0});
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::while_loop([](auto i, auto) { return i < 3; },
                            [](auto i, auto x) { return std::tuple{i + 1, sl::cast<double>(x)}; }, std::tuple{i0, x0});
  (void)bad;
#endif
}
