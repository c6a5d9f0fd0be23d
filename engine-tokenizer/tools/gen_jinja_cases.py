#!/usr/bin/env python3
"""Writes src/test/resources/jinja/jinja-cases.json: small templates rendered by Python Jinja2 (3.1) in the
environment Hugging Face transformers renders chat templates with (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, json.dumps-based tojson, raise_exception). The Java interpreter is
tested against these outputs (JinjaCrossCheckTest). Run: python3 tools/gen_jinja_cases.py"""
import json, os
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi <b>&</b>"},
        {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1, "y": [1.5, None, True]}}}]}]
CASES = [
    ("text", "plain text\n", {}),
    ("trailing_newlines", "a\n\n", {}),
    ("crlf_source", "a\r\nb\rc\n", {}),
    ("trim_blocks", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("lstrip_blocks", "line\n    {% if true %}\n    x\n    {% endif %}\nend", {}),
    ("lstrip_not_vars", "a\n    {{ 'v' }}\n", {}),
    ("lstrip_plus", "a\n    {%+ if true %}x{% endif %}\n", {}),
    ("trim_plus", "{% if true +%}\nx{% endif %}", {}),
    ("dash_strip", "a   \n  {%- if true -%}  \n  b  \n  {%- endif -%}\n   c", {}),
    ("var_dash", "x  {{- 'y' -}}  z", {}),
    ("comment", "a\n  {# c #}\nb{#- x -#}  c", {}),
    ("raw", "{% raw %}{{ x }}{% endraw %}|", {}),
    ("for_loop_vars", "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}:{{ x }};{% endfor %}", {"xs": ["a", "b", "c"]}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("for_filter", "{% for x in range(10) if x is odd %}{{ x }}{% endfor %}", {}),
    ("for_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x > 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("for_unpack_items", "{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", {"d": {"b": 1, "a": [1, 2]}}),
    ("for_dict_keys", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"x": 1, "y": 2}}),
    ("for_string", "{% for c in 'héllo' %}[{{ c }}]{% endfor %}", {}),
    ("prev_next", "{% for x in xs %}{{ loop.previtem|default('-') }}{{ x }}{{ loop.nextitem|default('-') }} {% endfor %}", {"xs": [1, 2, 3]}),
    ("loop_cycle", "{% for x in range(4) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("scoping", "{% set x = 1 %}{% for i in range(2) %}{% set x = x + 10 %}{{ x }},{% endfor %}{{ x }}", {}),
    ("namespace", "{% set ns = namespace(n=0, s='') %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", {}),
    ("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}", {}),
    ("set_block", "{% set x %}  inner {{ 1 + 1 }}\n{% endset %}[{{ x }}]", {}),
    ("set_block_filter", "{% set x | upper | trim %}  inner \n{% endset %}[{{ x }}]", {}),
    ("macro", "{% macro m(a, b='B', c=none) %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, 2) }}|{{ m('x', c=3) }}", {}),
    ("macro_varargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}", {}),
    ("filter_block", "{% filter upper %}abc{{ 'd' }}{% endfilter %}", {}),
    ("with_block", "{% set x = 1 %}{% with x = 2, y = 3 %}{{ x }}{{ y }}{% endwith %}{{ x }}", {}),
    ("arith", "{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1.5 + 1 }} {{ 10 / 5 }} {{ 0.1 + 0.2 }}", {}),
    ("floats", "{{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 1.5e-10 }} {{ 123456789.125 }} {{ -0.0 }} {{ 3.0 }}", {}),
    ("concat", "{{ 'a' ~ 1 ~ none ~ true ~ [1] }}", {}),
    ("str_repr", "{{ ['a', \"b'c\", 'd\"e', 1, 2.5, none, true, {'k': 'v'}] }} {{ {'a': (1,), 'b': ()} }}", {}),
    ("compare", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ none == none }} {{ 'a' != 'b' }}", {}),
    ("in_ops", "{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }}", {}),
    ("logic", "{{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' and 'z' }} {{ not [] }} {{ none or [] }}", {}),
    ("condexpr", "{{ 'y' if true else 'n' }} {{ 'y' if false else 'n' }} [{{ 'y' if false }}]", {}),
    ("slicing", "{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[::2] }} {{ 'hello'[1:3] }} {{ 'héllo'[::-1] }} {{ xs[-1] }} {{ xs[10:] }}", {"xs": [1, 2, 3, 4, 5]}),
    ("str_methods", "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\n\\na\\n'.lstrip('\\n') }}|{{ 'a\\n\\n'.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}", {}),
    ("str_methods2", "{{ 'Hello'.startswith('He') }} {{ 'Hello'.endswith(('x', 'lo')) }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'abc'.upper() }} {{ 'ABC'.lower() }} {{ 'a-b-c'.replace('-', '+', 1) }} {{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.count('b') }} {{ ','.join(['a', 'b']) }}", {}),
    ("str_methods3", "{{ '42'.isdigit() }} {{ 'ab'.isalpha() }} {{ '  '.isspace() }} {{ 'x'.zfill(3) }} {{ 'x'.center(5, '*') }} {{ 'a=b=c'.partition('=') }} {{ 'prefix_x'.removeprefix('prefix_') }} {{ 'l1\\nl2\\r\\nl3'.splitlines() }}", {}),
    ("str_format", "{{ '{} and {}'.format('a', 'b') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}!'.format(name='n') }} {{ '%s=%d' % ('a', 3) }} {{ '%05.2f' % 3.14159 }} {{ '{:>5}|{:<5}|{:^5}'.format('a', 'b', 'c') }} {{ '{:.3f}'.format(2.5) }}", {}),
    ("dict_methods", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d['a'] }} {{ d.a }}", {"d": {"a": 1, "b": 2}}),
    ("filters_basic", "{{ 'abc'|length }} {{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ [1, 2]|first }} {{ [1, 2]|last }} {{ 'aBc'|upper }} {{ 'aBc'|lower }} {{ [1, 2, 3]|join('-') }} {{ [1, 2]|reverse|list }} {{ 'abc'|reverse }}", {}),
    ("filters_more", "{{ '  x  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ none|default('d') }}|{{ undefined_var|default('d') }}|{{ ''|default('e', true) }}|{{ 'hello world foo'|title }}|{{ 'a b'|capitalize }}|{{ -3|abs }}|{{ '42'|int + 1 }}|{{ '3.5'|float }}|{{ 3.7|int }}|{{ 2.5|round }}|{{ 3.14159|round(2) }}|{{ 3.1|round(0, 'ceil') }}", {}),
    ("filters_seq", "{{ users|map(attribute='name')|join(',') }} {{ users|selectattr('admin')|map(attribute='name')|list }} {{ users|rejectattr('admin')|list|length }} {{ [1, 2, 3, 4]|select('even')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ ['a', 'b']|map('upper')|list }} {{ [1, 2, 2, 3]|unique|list }} {{ [1, 5, 3]|max }} {{ [1, 5, 3]|min }} {{ [1, 2, 3]|sum }} {{ users|map(attribute='age', default=0)|list }}", {"users": [{"name": "a", "admin": True, "age": 3}, {"name": "b", "admin": False}]}),
    ("filters_dict", "{{ d|dictsort }} {{ d|items|list }} {{ d|length }} {{ d|tojson }}", {"d": {"b": 2, "a": 1}}),
    ("selectattr_eq", "{{ msgs|selectattr('role', 'equalto', 'user')|list|length }} {{ msgs|selectattr('role', '==', 'system')|map(attribute='content')|first }}", {"msgs": MSGS}),
    ("tojson_default", "{{ msgs|tojson }}", {"msgs": MSGS}),
    ("tojson_indent", "{{ msgs[2]|tojson(indent=2) }}|{{ {}|tojson(indent=2) }}|{{ []|tojson(indent=4) }}", {"msgs": MSGS}),
    ("tojson_opts", "{{ {'b': 1, 'a': 'é\\u2028\\x7f\\x01\"\\\\/'}|tojson(sort_keys=true) }}|{{ {'é': 1}|tojson(ensure_ascii=true) }}|{{ [1, 2]|tojson(separators=(',', ':')) }}|{{ 1.0|tojson }}|{{ 1e20|tojson }}|{{ 'x'|tojson }}|{{ none|tojson }}", {}),
    ("tojson_emoji", "{{ s|tojson }}|{{ s|tojson(ensure_ascii=true) }}", {"s": "😀\t\u00e9"}),
    ("tests", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ none is none }} {{ 1 is number }} {{ true is number }} {{ true is integer }} {{ 1 is integer }} {{ 1.0 is float }} {{ 's' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 's' is sequence }} {{ 4 is divisibleby 2 }} {{ 3 is divisibleby(2) }} {{ 1 is in [1] }} {{ false is false }} {{ 0 is false }} {{ true is true }} {{ 'ab' is lower }} {{ 2 is gt 1 }} {{ x is not none }}", {"x": 1}),
    ("undefined_ops", "[{{ missing }}][{{ missing|length }}][{% for x in missing %}x{% endfor %}][{{ missing is defined }}][{{ d.missing }}][{{ d['missing'] }}][{{ missing == missing }}][{{ d.missing is none }}]", {"d": {}}),
    ("none_attr", "[{{ n.foo }}][{{ n is none }}]", {"n": None}),
    ("string_escapes", "{{ 'a\\tb\\\\n\\x41\\u00e9\\q' }}|{{ \"q'q\" }}|{{ 'it\\'s' }}", {}),
    ("adjacent_strings", "{{ 'a' 'b' \"c\" }}", {}),
    ("int_literals", "{{ 1_000 + 0 }} {{ 10 }} {{ 1.5e3 }}", {}),
    ("dict_literal_and_nested", "{% set d = {'a': {'b': [1, {'c': 'deep'}]}} %}{{ d.a.b[1].c }} {{ d['a']['b'][0] }} {{ d.a.b.0 }}", {}),
    ("chained_methods", "{{ msg.content.split('</think>')[-1].lstrip('\\n') }}|{{ msg.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}", {"msg": {"content": "<think>\nreason\n</think>\n\nanswer"}}),
    ("messages_reverse_loop", "{% for m in messages[::-1] %}{{ (messages|length - 1) - loop.index0 }}{{ m.role[0] }}{% endfor %}", {"messages": MSGS}),
    ("unary_filter_precedence", "{{ -1|abs }} {{ -(1)|abs }} {{ not true and false }} {{ not (true and false) }} {{ (2 + 3)|string }} {{ 'x' ~ 2 * 3 }}", {}),
    ("list_ops", "{{ [1] + [2] }} {{ 'ab' * 2 }} {{ [0] * 3 }} {{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }}", {}),
    ("indent_filter", "{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}", {}),
    ("escape_filter", "{{ '<a href=\"x\">&\\'</a>'|e }}", {}),
    ("wordcount_truncate", "{{ 'one two, three'|wordcount }} {{ 'hello wonderful world of jinja templates'|truncate(20) }}", {}),
    ("batch_filter", "{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 'x')|list }}", {}),
    ("loop_changed", "{% for x in [1, 1, 2, 2, 3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", {}),
    ("nested_loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}{{ loop.index }} {% endfor %}", {}),
    ("if_elif", "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("whitespace_multiline_blocks", "<s>\n{%- for m in messages %}\n  {%- if m.role == 'user' %}\n    U: {{ m.content }}\n  {%- else %}\n    O: {{ m.content }}\n  {%- endif %}\n{% endfor %}\n</s>\n", {"messages": MSGS}),
    ("bool_none_output", "{{ true }} {{ false }} {{ none }} {{ 1.0 }} {{ 10 ** 20 }} {{ 2 ** 0.5 }}", {}),
    ("items_on_mapping_tool_args", "{% for k, v in args|items %}{{ k }}: {{ v|tojson }}\n{% endfor %}", {"args": {"q": "x", "n": 3, "f": 0.5, "l": [True, None]}}),
    ("is_string_guard", "{% if c is string %}s{% elif c is mapping %}m{% elif c is iterable %}i{% endif %}", {"c": [{"type": "text"}]}),
]
ERRORS = [
    ("raise_exception", "{{ raise_exception('bad role') }}", {}),
    ("undefined_attr_of_undefined", "{{ missing.attr }}", {}),
    ("add_str_int", "{{ 'a' + 1 }}", {}),
    ("unknown_filter", "{{ 1|nosuchfilter }}", {}),
    ("syntax_unclosed", "{% if x %}", {}),
    ("syntax_bad_expr", "{{ 1 + }}", {}),
    ("unsafe_append", "{% set l = [] %}{{ l.append(1) }}", {}),
    ("set_attr_non_namespace", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("none_not_iterable", "{% for x in n %}{% endfor %}", {"n": None}),
    ("tojson_undefined", "{{ missing|tojson }}", {}),
    ("in_str_int", "{{ 1 in 'abc' }}", {}),
    ("startswith_on_list", "{{ c.startswith('x') }}", {"c": [1]}),
    ("div_zero", "{{ 1 / 0 }}", {}),
    ("int_plus_str", "{{ 2 + 3|string }}", {}),
    ("concat_binds_tighter_than_plus", "{{ 'x' ~ 2 + 3 }}", {}),
]

out = []
for name, tpl, vars in CASES:
    try:
        out.append({"name": name, "template": tpl, "vars": vars, "expected": env.from_string(tpl).render(**vars)})
    except Exception as e:
        raise SystemExit(name + ": " + repr(e))
for name, tpl, vars in ERRORS:
    try:
        env.from_string(tpl).render(**vars)
        raise SystemExit("expected an error: " + name)
    except SystemExit:
        raise
    except Exception as e:
        out.append({"name": name, "template": tpl, "vars": vars, "error": type(e).__name__})
path = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "jinja", "jinja-cases.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(out), "cases")

# ---- extra chat scenarios for the three bundled templates (texts only; ids need the Rust library)
RES = os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources", "dev", "nextinfer", "tokenizer")
with open(os.path.join(RES, "qwen3", "tokenizer_config.json"), encoding="utf-8") as f:
    cfg = json.load(f)
TEMPLATES = {"qwen3": cfg["chat_template"]}
for name, file in (("qwen3-next-instruct", "Qwen3-Next-80B-A3B-Instruct"), ("qwen3-next-thinking", "Qwen3-Next-80B-A3B-Thinking")):
    with open(os.path.join(RES, "qwen3-next", file + ".chat_template.jinja"), encoding="utf-8") as f:
        TEMPLATES[name] = f.read()
SPECIAL = {"eos_token": cfg["eos_token"], "pad_token": cfg["pad_token"], "additional_special_tokens": cfg["additional_special_tokens"]}
TOOLS = [{"type": "function", "function": {"name": "calc", "description": "Evaluate <math> & \"quotes\" ü",
          "parameters": {"type": "object", "properties": {"expr": {"type": "string"}, "precision": {"type": "number", "default": 0.001}}, "required": ["expr"]}}}]
CHATS = [
    ("multi_tool_calls_string_and_dict_args", [{"role": "user", "content": "2+2 and 3*3?"},
        {"role": "assistant", "content": "Computing.", "tool_calls": [{"type": "function", "function": {"name": "calc", "arguments": "{\"expr\": \"2+2\"}"}}, {"function": {"name": "calc", "arguments": {"expr": "3*3", "precision": 1e-9}}}]},
        {"role": "tool", "content": "4"}, {"role": "tool", "content": "9"}], TOOLS, True, {}),
    ("tool_call_without_function_wrapper", [{"role": "user", "content": "x"},
        {"role": "assistant", "content": "", "tool_calls": [{"name": "calc", "arguments": {"expr": "1"}}]}], None, False, {}),
    ("system_with_tools_and_history_thinking", [{"role": "system", "content": "You are a calculator."}, {"role": "user", "content": "1+1"},
        {"role": "assistant", "content": "<think>\neasy\n</think>\n\n2"}, {"role": "user", "content": "again"},
        {"role": "assistant", "content": "2", "reasoning_content": "\n\nsame\n"}], TOOLS, True, {"enable_thinking": True}),
    ("think_tags_without_newlines", [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<think>r</think>a"}], None, False, {}),
    ("unicode_and_whitespace", [{"role": "user", "content": "  émoji 😀\u2028tab\t"}, {"role": "assistant", "content": "\n\nok\n"}], None, True, {"enable_thinking": False}),
    ("only_tool_response_user", [{"role": "user", "content": "<tool_response>\nx\n</tool_response>"}], None, True, {}),
]
chat_out = []
for tname, tsrc in TEMPLATES.items():
    tpl = env.from_string(tsrc)
    for name, msgs, tools, agp, kw in CHATS:
        try:
            text = tpl.render(messages=msgs, tools=tools, documents=None, add_generation_prompt=agp, **SPECIAL, **kw)
            chat_out.append({"name": tname + "/" + name, "template": tname, "messages": msgs, "tools": tools,
                             "add_generation_prompt": agp, "kwargs": kw, "expected": text})
        except Exception as e:
            chat_out.append({"name": tname + "/" + name, "template": tname, "messages": msgs, "tools": tools,
                             "add_generation_prompt": agp, "kwargs": kw, "error": type(e).__name__})
with open(os.path.join(os.path.dirname(path), "chat-cases.json"), "w", encoding="utf-8") as f:
    json.dump(chat_out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(chat_out), "chat cases")
