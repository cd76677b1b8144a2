// Compiles kvkit's published TypeScript into ES modules and declarations,
// with the TypeScript of this folder's lockfile. Run by ../npm.ts, under
// Node, as `node compile.mjs <job.json>`; prints a JSON report.
//
// The job: { srcDir, outDir, files } — the published .ts files, relative to
// srcDir (a staging copy whose package.json says "type": "module").
//
// The sources are type-checked by `deno check`, against Deno's libraries;
// here they are only transpiled (`noCheck`), so that differences between
// Deno's and TypeScript's DOM libraries cannot break the build. What npm
// users see, the emitted declarations, is then checked on its own.
//
// The report: { emitted, imports, declarationErrors }, where imports maps
// each emitted file (.js and .d.ts, relative to outDir) and each source
// file to its module specifiers: { static, dynamic }.

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

// This folder's TypeScript, required by path so that no other tool (deno
// check) goes looking for a "typescript" package.
const ts = createRequire(import.meta.url)("./node_modules/typescript");

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { srcDir, outDir, files } = job;

/** The module specifiers a file names: static imports/exports, and import() calls. */
function specifiersOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = { static: [], dynamic: [], literals: [] };
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.static.push(node.moduleSpecifier.text);
      found.literals.push(node.moduleSpecifier);
    } else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.dynamic.push(node.arguments[0].text);
      found.literals.push(node.arguments[0]);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      // `import("x").T` in a type: needed to type-check, never loaded.
      found.static.push(node.argument.literal.text);
      found.literals.push(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.esnext.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts", "lib.dom.asynciterable.d.ts"],
  types: ["node"],
  typeRoots: [join(import.meta.dirname, "node_modules", "@types")],
  declaration: true,
  rewriteRelativeImportExtensions: true,
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
  noCheck: true,
  skipLibCheck: true,
  strict: true,
  rootDir: srcDir,
  outDir,
  newLine: ts.NewLineKind.LineFeed,
};

const imports = {};
for (const file of files) {
  const found = specifiersOf(file, readFileSync(join(srcDir, file), "utf8"));
  imports[file] = { static: found.static, dynamic: found.dynamic };
}

const program = ts.createProgram(files.map((file) => join(srcDir, file)), options);
const emitted = [];
const result = program.emit(undefined, (fileName, text) => {
  let out = text;
  if (fileName.endsWith(".d.ts")) {
    // Declarations keep `./x.ts` specifiers (TypeScript allows them in
    // .d.ts files, older versions and other tools do not): name the .js
    // file beside the .d.ts, as the JavaScript does.
    const { literals } = specifiersOf(fileName, text);
    for (const literal of literals.sort((a, b) => b.getStart() - a.getStart())) {
      if (!/^\.\.?\//.test(literal.text) || !literal.text.endsWith(".ts")) continue;
      const start = literal.getStart() + 1;
      const end = literal.getEnd() - 1;
      out = `${out.slice(0, start)}${literal.text.slice(0, -3)}.js${out.slice(end)}`;
    }
  }
  ts.sys.writeFile(fileName, out);
  const name = relative(outDir, fileName);
  emitted.push(name);
  const found = specifiersOf(fileName, out);
  imports[name] = { static: found.static, dynamic: found.dynamic };
});
const emitErrors = result.diagnostics.map((d) =>
  ts.flattenDiagnosticMessageText(d.messageText, "\n")
);

// The declarations as a user's compiler reads them: libraries checked too
// (skipLibCheck off), resolved from where they were written.
const declarations = emitted.filter((name) => name.endsWith(".d.ts")).map((name) =>
  join(outDir, name)
);
const check = ts.createProgram(declarations, {
  ...options,
  noCheck: false,
  skipLibCheck: false,
  noEmit: true,
  declaration: false,
});
const declarationErrors = ts.getPreEmitDiagnostics(check)
  .filter((d) => d.file === undefined || declarations.includes(d.file.fileName))
  .map((d) => {
    const where = d.file === undefined ? "" : (() => {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${relative(outDir, d.file.fileName)}:${line + 1}:${character + 1}: `;
    })();
    return `${where}TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });

writeFileSync(
  job.report,
  JSON.stringify({ typescript: ts.version, emitted, imports, emitErrors, declarationErrors }),
);
