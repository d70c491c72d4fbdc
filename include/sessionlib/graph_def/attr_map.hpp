// A node's family attributes (graph/op_attrs.hpp) as NodeDef attributes and
// back, one definition for both directions: a field of kind `tf` is TF's
// attribute of the same name (bool "b", int "i", float "f", string "s", list
// of ints); a field of kind `own` is kept as "_sessionlib_<name>", which TF
// ignores. Doubles are kept exactly: an own double is a DT_DOUBLE TensorProto,
// and a tf double (LeakyRelu's alpha) is TF's float plus the exact double under
// "_sessionlib_<name>" when the float rounds it. `mapped` fields are the family
// exporter's and importer's (graph_def/export_ops.hpp, graph_def/ops_*.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../graph/attrs.hpp"
#include "model.hpp"
#include "tensor.hpp"

namespace sessionlib::detail::gd {

/// TF's name for an own field's attribute.
inline std::string own_attr_name(std::string_view field) { return "_sessionlib_" + std::string(field); }

/// Doubles as a DT_DOUBLE TensorProto (a scalar for one value given as such).
inline AttrValue exact_doubles(const std::vector<double>& v, bool scalar) {
  any_array a(dtype::float64, scalar ? dims{} : dims{v.size()});
  for (std::size_t i = 0; i < v.size(); ++i) a.data<double>()[i] = v[i];
  return to_tensor_proto(a);
}

/// Writes every tf and own field of `box` into `attrs`.
inline void write_family_attrs(const attr_box& box, std::map<std::string, AttrValue>& attrs) {
  struct writer final : attr_writer {
    std::map<std::string, AttrValue>& out;
    explicit writer(std::map<std::string, AttrValue>& o) : out(o) {}
    AttrValue* slot(std::string_view name, attr_kind kind) {
      if (kind == attr_kind::mapped) return nullptr;
      return &out[kind == attr_kind::tf ? std::string(name) : own_attr_name(name)];
    }
    void field(std::string_view n, attr_kind k, bool v) override {
      if (AttrValue* a = slot(n, k)) *a = v;
    }
    void field(std::string_view n, attr_kind k, std::int64_t v) override {
      if (AttrValue* a = slot(n, k)) *a = v;
    }
    void field(std::string_view n, attr_kind k, double v) override {
      if (k == attr_kind::mapped) return;
      if (k == attr_kind::own) {
        out[own_attr_name(n)] = exact_doubles({v}, true);
        return;
      }
      out[std::string(n)] = static_cast<float>(v);
      if (static_cast<double>(static_cast<float>(v)) != v) out[own_attr_name(n)] = exact_doubles({v}, true);
    }
    void field(std::string_view n, attr_kind k, const std::string& v) override {
      if (AttrValue* a = slot(n, k)) *a = v;
    }
    void field(std::string_view n, attr_kind k, const std::vector<std::int64_t>& v) override {
      AttrValue::ListValue l;
      l.i = v;
      if (AttrValue* a = slot(n, k)) *a = std::move(l);
    }
    void field(std::string_view n, attr_kind k, const std::vector<double>& v) override {
      if (AttrValue* a = slot(n, k)) *a = exact_doubles(v, false);
    }
  } w(attrs);
  box.write(w);
}

/// An attr_reader over a NodeDef's attributes (read_family_attrs).
class node_def_attr_reader final : public attr_reader {
 public:
  const std::map<std::string, AttrValue>& in;
  std::string bad{};
  explicit node_def_attr_reader(const std::map<std::string, AttrValue>& i) : in(i) {}
  const AttrValue* find(std::string_view name, attr_kind kind, bool exact_first) const {
    if (kind == attr_kind::mapped) return nullptr;
    if (kind == attr_kind::own || exact_first)
      if (auto it = in.find(own_attr_name(name)); it != in.end()) return &it->second;
    if (kind == attr_kind::tf)
      if (auto it = in.find(std::string(name)); it != in.end()) return &it->second;
    return nullptr;
  }
  template <class V, class F>
  bool take(std::string_view name, attr_kind kind, bool exact_first, V& v, F&& from) {
    const AttrValue* a = find(name, kind, exact_first);
    if (!a) return false;
    if (from(*a, v)) return true;
    if (bad.empty()) bad = std::string(name);
    return false;
  }
  static bool doubles(const AttrValue& a, std::vector<double>& v) {
    const auto* t = a.get_if<TensorProto>();
    if (!t) return false;
    const any_array x = to_any_array(*t);
    if (x.dtype() != dtype::float64) return false;
    v.assign(x.data<double>(), x.data<double>() + x.size());
    return true;
  }
  bool field(std::string_view n, attr_kind k, bool& v) override {
    return take(n, k, false, v, [](const AttrValue& a, bool& out) {
      const auto* p = a.get_if<bool>();
      return p ? (out = *p, true) : false;
    });
  }
  bool field(std::string_view n, attr_kind k, std::int64_t& v) override {
    return take(n, k, false, v, [](const AttrValue& a, std::int64_t& out) {
      const auto* p = a.get_if<std::int64_t>();
      return p ? (out = *p, true) : false;
    });
  }
  bool field(std::string_view n, attr_kind k, double& v) override {
    return take(n, k, true, v, [](const AttrValue& a, double& out) {
      if (const auto* f = a.get_if<float>()) return out = static_cast<double>(*f), true;
      std::vector<double> d;
      if (doubles(a, d) && d.size() == 1) return out = d[0], true;
      return false;
    });
  }
  bool field(std::string_view n, attr_kind k, std::string& v) override {
    return take(n, k, false, v, [](const AttrValue& a, std::string& out) {
      const auto* p = a.get_if<std::string>();
      return p ? (out = *p, true) : false;
    });
  }
  bool field(std::string_view n, attr_kind k, std::vector<std::int64_t>& v) override {
    return take(n, k, false, v, [](const AttrValue& a, std::vector<std::int64_t>& out) {
      const auto* l = a.get_if<AttrValue::ListValue>();
      return l ? (out = l->i, true) : false;
    });
  }
  bool field(std::string_view n, attr_kind k, std::vector<double>& v) override {
    return take(n, k, false, v, [](const AttrValue& a, std::vector<double>& out) { return doubles(a, out); });
  }
};

/// Reads `a`'s tf and own fields from `attrs` (those absent keep `a`'s values);
/// returns the name of a field whose attribute holds another kind, or "".
template <AttrStruct A>
std::string read_family_attrs(const std::map<std::string, AttrValue>& attrs, A& a) {
  node_def_attr_reader r(attrs);
  read_attrs(a, r);
  return r.bad;
}

}  // namespace sessionlib::detail::gd
