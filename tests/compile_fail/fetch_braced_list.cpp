// expect: sessionlib: fetch: a braced list is not a fetch structure; write sess.run(std::tuple{train, loss}, ...)
// expect-first: sessionlib: fetch: a braced list is not a fetch structure
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<>>(g, "x");
  auto loss = x * x;
  auto train = sl::no_op(g);
  sl::Session sess(g);
  auto [a, b] = sess.run(std::tuple{train, loss}, {{x, 2.0f}});
  (void)a;
  (void)b;
#if SESSIONLIB_CF_FAIL
  auto r = sess.run({train, loss}, {{x, 2.0f}});  // TF's sess.run([train, loss], ...)
  (void)r;
#endif
}
