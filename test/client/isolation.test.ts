import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The modules a file imports or re-exports, dynamic imports included (comments, such as @example, ignored). */
const importsOf = (code: string) => ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);

// Issue 10: `shopauth/client` carries no server code; it needs nothing beyond Node.
describe('shopauth/client stands alone', () => {
  it('importing the package loads no module of dist/ outside dist/client/ and nothing outside Node', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'sdk-imports-')), 'imports.txt');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', join(fixtures, 'record-imports.mjs'), join(fixtures, 'import-client.mjs')], {
      env: { ...process.env, RECORD_FILE: record },
      cwd: root,
    });
    expect(JSON.parse(stdout)).toContain('ShopClient');
    const loaded = readFileSync(record, 'utf8').trim().split('\n');
    const ours = loaded.filter((url) => !url.startsWith('node:') && url !== pathToFileURL(join(fixtures, 'import-client.mjs')).href);
    expect(ours.length).toBeGreaterThanOrEqual(10);
    const client = pathToFileURL(join(root, 'dist/client/')).href;
    expect(ours.filter((url) => !url.startsWith(client))).toEqual([]);
    expect(ours).toContain(`${client}index.js`);
  }, 60_000);

  it('every built and source file of the client imports only its siblings and node: built-ins', () => {
    for (const [dir, ext] of [['dist/client', '.js'], ['src/client', '.ts']] as const) {
      const files = readdirSync(join(root, dir)).filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'));
      expect(files.length).toBeGreaterThanOrEqual(10);
      for (const file of files) {
        const bad = importsOf(readFileSync(join(root, dir, file), 'utf8')).filter((m) => !/^\.\/[a-z0-9-]+\.js$/.test(m) && !m.startsWith('node:'));
        expect({ file: `${dir}/${file}`, bad }).toEqual({ file: `${dir}/${file}`, bad: [] });
      }
    }
  });

  it('every export of the package has TSDoc with an @example', () => {
    const program = ts.createProgram([join(root, 'src/client/index.ts')], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
    const checker = program.getTypeChecker();
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(join(root, 'src/client/index.ts'))!)!);
    expect(exports.length).toBeGreaterThanOrEqual(40);
    const missing = exports
      .filter((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const declarations = target.getDeclarations() ?? [];
        return !declarations.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'example'));
      })
      .map((s) => s.name);
    expect(missing).toEqual([]);
  });
});
