// expect: sessionlib: fetch: a name is fetched as std::string or a string literal; write std::string(name)
// expect-first: sessionlib: fetch: a name is fetched as std::string
#include <sessionlib/sessionlib.hpp>
#include <string_view>
namespace sl = sessionlib;
// A user's string-like type: names are std::string, std::string_view, const char*
// or literals; anything else that converts to std::string_view is reported.
class op_name {
 public:
  explicit op_name(std::string_view text) : text_(text) {}
  operator std::string_view() const { return text_; }  // NOLINT: implicit on purpose

 private:
  std::string_view text_;
};
int main() {
  sl::Graph g;
  auto c = sl::constant(g, 1.0f, "c");
  (void)c;
  sl::Session sess(g);
  constexpr std::string_view name = "c:0";
  sl::any_array v = sess.run(name);  // a std::string_view is a name
  (void)v;
#if SESSIONLIB_CF_FAIL
  sl::any_array w = sess.run(op_name{name});  // the result would be sl::none_t, failing first without the check
  (void)w;
#endif
}
