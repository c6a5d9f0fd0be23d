package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.jinja.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Jinja2's lexer with the settings Hugging Face renders chat templates with ({@code trim_blocks=True},
 * {@code lstrip_blocks=True}, {@code keep_trailing_newline=False}):
 * <ul>
 * <li>the source's line breaks (all of Python's {@code str.splitlines} ones) become {@code \n} and one trailing
 * line break is dropped;</li>
 * <li>{@code {%-}/{{-}/{#-} strip all whitespace before the tag, {@code -%}}/{@code -}}}/{@code -#}} all
 * whitespace after it;</li>
 * <li>lstrip_blocks: spaces and tabs from the start of a line up to a block or comment tag are removed (not
 * before {@code {{}, not with {@code {%+});</li>
 * <li>trim_blocks: the first newline after a block or comment tag is removed (not after {@code +%}}).</li>
 * </ul>
 * Whitespace means Python's {@code str.isspace()}.
 */
final class Lexer {
    private static final String[] OPERATORS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
        "<", ">", "=", ".", ":", "|", ",", ";", "(", ")", "[", "]", "{", "}"};

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String src) {
        this.src = src;
    }

    /** The tokens of a template source, ending with EOF. */
    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(normalizeNewlines(source));
        lx.run();
        return lx.out;
    }

    /** Python's {@code "\n".join(source.splitlines())}. */
    static String normalizeNewlines(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean endsWithBreak = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                sb.append('\n');
                endsWithBreak = true;
            } else {
                sb.append(c);
                endsWithBreak = false;
            }
        }
        if (endsWithBreak) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E
                || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    /** Python's {@code str.isspace()} for one character. */
    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0
                || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    private TemplateException error(String msg) {
        return new TemplateException("chat template line " + line + ": " + msg);
    }

    private void emit(Kind kind, String text) {
        out.add(new Token(kind, text, line));
    }

    private void advanceTo(int newPos) {
        for (int i = pos; i < newPos; i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        pos = newPos;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tag = findTagStart(pos);
            if (tag < 0) {
                emitData(src.substring(pos));
                advanceTo(n);
                break;
            }
            char kindChar = src.charAt(tag + 1);
            char sign = tag + 2 < n ? src.charAt(tag + 2) : 0;
            boolean hasSign = sign == '-' || sign == '+';
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = rstrip(text);
            } else if (sign != '+' && kindChar != '{') {
                int lPos = text.lastIndexOf('\n') + 1;
                if ((lPos > 0 || lineStarting) && lPos < text.length() && allSpace(text, lPos)) {
                    text = text.substring(0, lPos);
                }
            }
            emitData(text);
            advanceTo(tag);
            int afterStart = tag + 2 + (hasSign ? 1 : 0);
            switch (kindChar) {
                case '#' -> comment(afterStart);
                case '{' -> {
                    advanceTo(afterStart);
                    emit(Kind.VAR_BEGIN, "{{");
                    insideTag(false);
                }
                default -> {
                    if (isRawBegin(afterStart)) {
                        raw();
                    } else {
                        advanceTo(afterStart);
                        emit(Kind.BLOCK_BEGIN, "{%");
                        insideTag(true);
                    }
                }
            }
        }
        emit(Kind.EOF, "");
    }

    private void emitData(String text) {
        if (!text.isEmpty()) {
            emit(Kind.DATA, text);
        }
        lineStarting = false;
    }

    private int findTagStart(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) {
                return -1;
            }
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i++;
        }
    }

    private static boolean allSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String rstrip(String s) {
        int e = s.length();
        while (e > 0 && isSpace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(0, e);
    }

    private int skipSpace(int i) {
        while (i < src.length() && isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    private void comment(int from) {
        int end = src.indexOf("#}", from);
        if (end < 0) {
            throw error("missing end of comment tag '#}'");
        }
        boolean strip = end > from && src.charAt(end - 1) == '-';
        int after = end + 2;
        if (strip) {
            after = skipSpace(after);
        } else if (after < src.length() && src.charAt(after) == '\n') {
            after++;
        }
        advanceTo(after);
        lineStarting = after > 0 && src.charAt(after - 1) == '\n';
    }

    /** {@code {% raw %}}: is the tag at {@code from} (after the opening and sign) the word raw alone? */
    private boolean isRawBegin(int from) {
        int i = skipSpace(from);
        if (!src.startsWith("raw", i)) {
            return false;
        }
        i = skipSpace(i + 3);
        if (i < src.length() && src.charAt(i) == '-') {
            i++;
        }
        return src.startsWith("%}", i);
    }

    private void raw() {
        int close = src.indexOf("%}", pos);
        int after = close + 2;
        if (src.charAt(close - 1) == '-') {
            after = skipSpace(after);
        }
        advanceTo(after);
        int search = pos;
        while (true) {
            int tag = src.indexOf("{%", search);
            if (tag < 0) {
                throw error("missing {% endraw %}");
            }
            int i = tag + 2;
            char sign = i < src.length() ? src.charAt(i) : 0;
            if (sign == '-' || sign == '+') {
                i++;
            }
            i = skipSpace(i);
            if (!src.startsWith("endraw", i)) {
                search = tag + 2;
                continue;
            }
            i = skipSpace(i + 6);
            char endSign = i < src.length() ? src.charAt(i) : 0;
            if (endSign == '-' || endSign == '+') {
                i++;
            }
            if (!src.startsWith("%}", i)) {
                search = tag + 2;
                continue;
            }
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = rstrip(text);
            } else if (sign != '+') {
                int lPos = text.lastIndexOf('\n') + 1;
                if ((lPos > 0 || lineStarting) && lPos < text.length() && allSpace(text, lPos)) {
                    text = text.substring(0, lPos);
                }
            }
            if (!text.isEmpty()) {
                emit(Kind.DATA, text);
            }
            int end = i + 2;
            if (endSign == '-') {
                end = skipSpace(end);
            } else if (endSign != '+' && end < src.length() && src.charAt(end) == '\n') {
                end++;
            }
            advanceTo(end);
            lineStarting = end > 0 && src.charAt(end - 1) == '\n';
            return;
        }
    }

    /** Tokens inside {@code {% … %}} or {@code {{ … }}} up to and including the closing delimiter. */
    private void insideTag(boolean block) {
        Deque<Character> brackets = new ArrayDeque<>();
        int n = src.length();
        while (true) {
            advanceTo(skipSpace(pos));
            if (pos >= n) {
                throw error("unexpected end of template inside " + (block ? "'{%'" : "'{{'") + " tag");
            }
            if (brackets.isEmpty() && closeTag(block)) {
                return;
            }
            char c = src.charAt(pos);
            if (Character.isDigit(c) && c < 0x80) {
                number();
            } else if (c == '_' || Character.isLetter(c)) {
                int e = pos + 1;
                while (e < n && (src.charAt(e) == '_' || Character.isLetterOrDigit(src.charAt(e)))) {
                    e++;
                }
                emit(Kind.NAME, src.substring(pos, e));
                advanceTo(e);
            } else if (c == '\'' || c == '"') {
                string(c);
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw error("unexpected character '" + c + "'");
                }
                switch (op) {
                    case "(", "[", "{" -> brackets.push(op.charAt(0));
                    case ")", "]", "}" -> {
                        char open = op.equals(")") ? '(' : op.equals("]") ? '[' : '{';
                        if (brackets.isEmpty() || brackets.pop() != open) {
                            throw error("unexpected '" + op + "'");
                        }
                    }
                    default -> { }
                }
                emit(Kind.OP, op);
                advanceTo(pos + op.length());
            }
        }
    }

    /** Recognizes the end of the current tag at {@code pos}; consumes it (and trimmed whitespace). */
    private boolean closeTag(boolean block) {
        String end = block ? "%}" : "}}";
        int p = pos;
        char sign = src.charAt(p);
        if ((sign == '-' || (block && sign == '+')) && src.startsWith(end, p + 1)) {
            p++;
        } else if (src.startsWith(end, p)) {
            sign = 0;
        } else {
            return false;
        }
        advanceTo(p);
        emit(block ? Kind.BLOCK_END : Kind.VAR_END, end);
        int after = p + 2;
        if (sign == '-') {
            after = skipSpace(after);
        } else if (block && sign != '+' && after < src.length() && src.charAt(after) == '\n') {
            after++;
        }
        advanceTo(after);
        lineStarting = after > p + 2 && src.charAt(after - 1) == '\n';
        return true;
    }

    private void number() {
        int n = src.length();
        int e = digits(pos);
        boolean isFloat = false;
        if (e + 1 < n && src.charAt(e) == '.' && Character.isDigit(src.charAt(e + 1))) {
            e = digits(e + 1);
            isFloat = true;
        }
        if (e < n && (src.charAt(e) == 'e' || src.charAt(e) == 'E')) {
            int x = e + 1;
            if (x < n && (src.charAt(x) == '+' || src.charAt(x) == '-')) {
                x++;
            }
            if (x < n && Character.isDigit(src.charAt(x))) {
                e = digits(x);
                isFloat = true;
            }
        }
        emit(isFloat ? Kind.FLOAT : Kind.INTEGER, src.substring(pos, e).replace("_", ""));
        advanceTo(e);
    }

    private int digits(int i) {
        while (i < src.length() && (Character.isDigit(src.charAt(i)) || src.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    private void string(char quote) {
        int i = pos + 1;
        int n = src.length();
        while (i < n && src.charAt(i) != quote) {
            i += src.charAt(i) == '\\' ? 2 : 1;
        }
        if (i >= n) {
            throw error("unterminated string literal");
        }
        String body = src.substring(pos + 1, i);
        emit(Kind.STRING, unescape(body));
        advanceTo(i + 1);
    }

    /**
     * Jinja decodes string literals with Python's {@code s.encode("ascii", "backslashreplace")
     * .decode("unicode-escape")}: Python escapes are honoured, unknown ones kept verbatim.
     */
    private String unescape(String body) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder ascii = new StringBuilder(body.length() + 8);
        body.codePoints().forEach(cp -> {
            if (cp < 0x80) {
                ascii.append((char) cp);
            } else if (cp < 0x100) {
                ascii.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                ascii.append(String.format("\\u%04x", cp));
            } else {
                ascii.append(String.format("\\U%08x", cp));
            }
        });
        StringBuilder sb = new StringBuilder(ascii.length());
        String s = ascii.toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000B');
                case 'N' -> throw error("malformed \\N character escape (named escapes are not supported)");
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    long cp = 0;
                    if (i + 1 + len > s.length()) {
                        throw error("truncated \\" + e + " escape in string literal");
                    }
                    for (int k = i + 1; k < i + 1 + len; k++) {
                        int digit = Character.digit(s.charAt(k), 16);
                        if (digit < 0 || s.charAt(k) > 'f') { // hex digits only: no sign, no other scripts' digits
                            throw error("truncated \\" + e + " escape in string literal");
                        }
                        cp = cp * 16 + digit;
                    }
                    if (cp > 0x10FFFF) {
                        throw error("illegal Unicode character in string literal");
                    }
                    sb.appendCodePoint((int) cp);
                    i += len;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int k = 1;
                        while (k < 3 && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                            v = v * 8 + (s.charAt(++i) - '0');
                            k++;
                        }
                        sb.appendCodePoint(v);
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }
}
