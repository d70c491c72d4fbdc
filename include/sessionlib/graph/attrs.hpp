// Attributes by name: each op family declares one struct of named, typed
// fields (graph/op_attrs.hpp), and a node holds one value of its family's
// struct, type-erased in an `attr_box`. A kernel reads its fields by name,
// `ctx.attrs<matmul_attrs>().transpose_a`, at the cost of a pointer compare;
// passes that only need to compare or print attributes (merging equal nodes,
// GraphDef export) walk the fields through the struct's `fields()` list, which
// names each member as TF names the attribute:
//
//     struct matmul_attrs {
//       static constexpr const char* family = "MatMul";
//       bool transpose_a = false;
//       bool transpose_b = false;
//       static constexpr auto fields() {
//         return std::tuple{attr_field("transpose_a", &matmul_attrs::transpose_a),
//                           attr_field("transpose_b", &matmul_attrs::transpose_b)};
//       }
//       friend bool operator==(const matmul_attrs&, const matmul_attrs&) = default;
//     };
//
// A custom op declares its own struct the same way (custom_op.hpp).
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"

namespace sessionlib {

/// How GraphDef export and import treat a field.
enum class attr_kind : std::uint8_t {
  tf,     // TF's attribute of the same name and kind (transpose_a, keep_dims, alpha)
  mapped, // TF passes it as a tensor input (Reshape's shape) or spells it otherwise (strides
          // as [1, h, w, 1]): the family's GraphDef exporter and importer translate it
  own,    // sessionlib's own, kept exactly as "_sessionlib_<name>" (a seed, an exact double)
};

/// One named member of a family's attribute struct.
template <class S, class M>
struct attr_field {
  const char* name;
  M S::*member;
  attr_kind kind = attr_kind::tf;
  constexpr attr_field(const char* n, M S::*m, attr_kind k = attr_kind::tf) : name(n), member(m), kind(k) {}
};

/// Receives a family's fields one by one, in declaration order, each as the
/// kind TF's AttrValue has (integral members as int64, floating ones as
/// double): what merges equal nodes, prints and exports attributes.
class attr_writer {
 public:
  virtual void field(std::string_view name, attr_kind kind, bool v) = 0;
  virtual void field(std::string_view name, attr_kind kind, std::int64_t v) = 0;
  virtual void field(std::string_view name, attr_kind kind, double v) = 0;
  virtual void field(std::string_view name, attr_kind kind, const std::string& v) = 0;
  virtual void field(std::string_view name, attr_kind kind, const std::vector<std::int64_t>& v) = 0;
  virtual void field(std::string_view name, attr_kind kind, const std::vector<double>& v) = 0;

 protected:
  ~attr_writer() = default;
};

/// Supplies a family's fields by name (what GraphDef import reads): each
/// call sets `v` and returns true, or returns false when it holds no value for
/// that field (the field keeps its default). A value of another kind is the
/// reader's to report.
class attr_reader {
 public:
  virtual bool field(std::string_view name, attr_kind kind, bool& v) = 0;
  virtual bool field(std::string_view name, attr_kind kind, std::int64_t& v) = 0;
  virtual bool field(std::string_view name, attr_kind kind, double& v) = 0;
  virtual bool field(std::string_view name, attr_kind kind, std::string& v) = 0;
  virtual bool field(std::string_view name, attr_kind kind, std::vector<std::int64_t>& v) = 0;
  virtual bool field(std::string_view name, attr_kind kind, std::vector<double>& v) = 0;

 protected:
  ~attr_reader() = default;
};

/// What a struct must have to be a family's attributes: a name for messages,
/// its fields listed, and equality (nodes with equal attributes merge).
template <class A>
concept AttrStruct = std::is_class_v<A> && std::copy_constructible<A> && std::equality_comparable<A> && requires {
  { A::family } -> std::convertible_to<const char*>;
  A::fields();
};

namespace detail {

template <class M>
void write_member(attr_writer& w, std::string_view name, attr_kind kind, const M& m) {
  if constexpr (std::is_same_v<M, bool> || std::is_same_v<M, double> || std::is_same_v<M, std::string> ||
                std::is_same_v<M, std::vector<std::int64_t>> || std::is_same_v<M, std::vector<double>>)
    w.field(name, kind, m);
  else if constexpr (std::is_integral_v<M> || std::is_enum_v<M>) w.field(name, kind, static_cast<std::int64_t>(m));
  else if constexpr (std::is_floating_point_v<M>) w.field(name, kind, static_cast<double>(m));
  else if constexpr (std::is_same_v<M, std::vector<std::int32_t>>) w.field(name, kind, std::vector<std::int64_t>(m.begin(), m.end()));
  else static_assert(sizeof(M) == 0, "sessionlib: an attribute field must be bool, an integer, a floating-point "
                                     "number, std::string or a vector of int32, int64 or double");
}

template <class M>
void read_member(attr_reader& r, std::string_view name, attr_kind kind, M& m) {
  if constexpr (std::is_same_v<M, bool> || std::is_same_v<M, double> || std::is_same_v<M, std::string> ||
                std::is_same_v<M, std::vector<std::int64_t>> || std::is_same_v<M, std::vector<double>>) {
    r.field(name, kind, m);
  } else if constexpr (std::is_integral_v<M> || std::is_enum_v<M>) {
    std::int64_t v = 0;
    if (r.field(name, kind, v)) m = static_cast<M>(v);
  } else if constexpr (std::is_floating_point_v<M>) {
    double v = 0;
    if (r.field(name, kind, v)) m = static_cast<M>(v);
  } else {
    std::vector<std::int64_t> v;
    if (r.field(name, kind, v)) m.assign(v.begin(), v.end());
  }
}

/// What attr_box needs of one struct type, without the type.
struct attr_vtable {
  const char* family;
  bool (*equal)(const void*, const void*);
  void (*write)(const void*, attr_writer&);
};

template <class A>
struct attr_ops {
  static bool equal(const void* a, const void* b) { return *static_cast<const A*>(a) == *static_cast<const A*>(b); }
  static void write(const void* p, attr_writer& w) {
    const A& a = *static_cast<const A*>(p);
    std::apply([&](const auto&... f) { (write_member(w, f.name, f.kind, a.*(f.member)), ...); }, A::fields());
  }
};
template <class A>
inline constexpr attr_vtable attr_vtable_of{A::family, &attr_ops<A>::equal, &attr_ops<A>::write};

[[noreturn]] inline void throw_attr_mismatch(const char* held, const char* wanted) {
  throw internal("a node's attributes are of family '" + std::string(held ? held : "none") + "', read as '" +
                 wanted + "'");
}

}  // namespace detail

/// One node's family attributes, type-erased and immutable (a node is never
/// changed once published, so copies share the value).
class attr_box {
 public:
  attr_box() = default;
  // (attr_box itself is ruled out first: checking AttrStruct<attr_box> would ask
  // whether attr_box is copyable, which asks this constructor again.)
  template <class A>
    requires(!std::is_same_v<A, attr_box>) && AttrStruct<A>
  attr_box(A a)  // NOLINT: implicit, so `spec.attr.family = matmul_attrs{...}` reads naturally
      : vt_(&detail::attr_vtable_of<A>), p_(std::make_shared<const A>(std::move(a))) {}

  bool empty() const noexcept { return vt_ == nullptr; }
  /// The family's name ("MatMul"), or null when empty.
  const char* family() const noexcept { return vt_ ? vt_->family : nullptr; }
  template <AttrStruct A>
  bool holds() const noexcept {
    return vt_ == &detail::attr_vtable_of<A>;
  }
  /// The value, or null when it is not an A.
  template <AttrStruct A>
  const A* find() const noexcept {
    return holds<A>() ? static_cast<const A*>(p_.get()) : nullptr;
  }
  /// The value; sl::internal when it is not an A (a kernel paired with another family's node).
  template <AttrStruct A>
  const A& get() const {
    if (!holds<A>()) detail::throw_attr_mismatch(family(), A::family);
    return *static_cast<const A*>(p_.get());
  }
  /// Hands every field to `w`, in declaration order (nothing when empty).
  void write(attr_writer& w) const {
    if (vt_) vt_->write(p_.get(), w);
  }
  friend bool operator==(const attr_box& a, const attr_box& b) {
    if (a.vt_ != b.vt_) return false;
    return a.vt_ == nullptr || a.p_ == b.p_ || a.vt_->equal(a.p_.get(), b.p_.get());
  }

 private:
  const detail::attr_vtable* vt_ = nullptr;
  std::shared_ptr<const void> p_;
};

/// Appends `box`'s family and field values to `key`, so that equal attributes
/// give equal keys and different ones different keys (doubles by their bits).
inline void append_attr_key(std::string& key, const attr_box& box) {
  if (box.empty()) return;
  struct keyer final : attr_writer {
    std::string& k;
    explicit keyer(std::string& key) : k(key) {}
    void field(std::string_view, attr_kind, bool v) override { k += v ? "|1" : "|0"; }
    void field(std::string_view, attr_kind, std::int64_t v) override { k += '|' + std::to_string(v); }
    void field(std::string_view, attr_kind, double v) override { k.append("|").append(reinterpret_cast<const char*>(&v), sizeof v); }
    void field(std::string_view, attr_kind, const std::string& v) override { k += '|' + std::to_string(v.size()) + ':' + v; }
    void field(std::string_view, attr_kind, const std::vector<std::int64_t>& v) override {
      k += '|' + std::to_string(v.size()) + ':';
      for (auto x : v) k += std::to_string(x) + ',';
    }
    void field(std::string_view, attr_kind, const std::vector<double>& v) override {
      k += '|' + std::to_string(v.size()) + ':';
      k.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
    }
  } w(key);
  key += box.family();
  box.write(w);
}

/// Sets `a`'s fields from `r`, in declaration order; those `r` has no value for keep theirs.
template <AttrStruct A>
void read_attrs(A& a, attr_reader& r) {
  std::apply([&](const auto&... f) { (detail::read_member(r, f.name, f.kind, a.*(f.member)), ...); }, A::fields());
}

}  // namespace sessionlib
