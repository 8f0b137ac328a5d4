// The import rules of ARCHITECTURE.md are lint errors: a wrong arrow fails `npm test`.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('only src/main/index.ts and the preload import electron', async () => {
    const code = "import { app } from 'electron';\nexport const a = app;\n";
    expect(await restrictedImports('src/main/api.ts', code)).toHaveLength(1);
    expect(await restrictedImports('src/main/services/imaging/x.ts', code)).toHaveLength(1);
    expect(await restrictedImports('src/renderer/src/x.ts', code)).toHaveLength(1);
    expect(await restrictedImports('src/main/index.ts', code)).toHaveLength(0);
    expect(await restrictedImports('src/preload/index.ts', code)).toHaveLength(0);
  });

  it('keeps src/shared free of Node, UI and either side', async () => {
    expect(
      await restrictedImports('src/shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImports('src/shared/x.ts', "import { ref } from 'vue';\nexport const a = ref;\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImports('src/shared/x.ts', "import { a } from '../main/api';\nexport const b = a;\n"),
    ).toHaveLength(1);
  });

  it('lets a service reach another area only through its index.ts', async () => {
    const file = 'src/main/services/workspace/x.ts';
    expect(
      await restrictedImports(file, "import { a } from '../imaging/nifti';\nexport const b = a;\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImports(file, "import { a } from '../imaging/index';\nexport const b = a;\n"),
    ).toHaveLength(0);
    expect(
      await restrictedImports(file, "import { a } from '../../../shared/volume';\nexport const b = a;\n"),
    ).toHaveLength(0);
  });

  it('lets the shells and the command line reach a service only through its index.ts', async () => {
    const internal = "import { a } from '../services/imaging/labelMaps';\nexport const b = a;\n";
    const viaIndex = "import { a } from '../services/imaging/index';\nexport const b = a;\n";
    expect(await restrictedImports('src/main/cli/segment.ts', internal)).toHaveLength(1);
    expect(await restrictedImports('src/main/cli/segment.ts', viaIndex)).toHaveLength(0);
    expect(await restrictedImports('src/main/webShell/server.ts', internal)).toHaveLength(1);
    expect(
      await restrictedImports(
        'src/main/api.ts',
        "import { a } from './services/pacs/store';\nexport const b = a;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImports(
        'src/main/index.ts',
        "import { a } from './services/pacs/secrets';\nexport const b = a;\n",
      ),
    ).toHaveLength(1);
  });

  it('keeps the services away from the shells and the command line', async () => {
    const file = 'src/main/services/pacs/x.ts';
    expect(
      await restrictedImports(file, "import { a } from '../../cli/command';\nexport const b = a;\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImports(file, "import { a } from '../../api';\nexport const b = a;\n"),
    ).toHaveLength(1);
  });

  it('lets the renderer reach another feature folder only through its index.ts', async () => {
    const file = 'src/renderer/src/stores/x.ts';
    const code = (from: string) => `import { a } from '${from}';\nexport const b = a;\n`;
    expect(await restrictedImports(file, code('../imaging/windowLevel'))).toHaveLength(1);
    expect(await restrictedImports('src/renderer/src/main.ts', code('./format/savedAt'))).toHaveLength(1);
    expect(await restrictedImports(file, code('../imaging'))).toHaveLength(0);
    expect(await restrictedImports(file, code('./segmentation'))).toHaveLength(0);
    expect(await restrictedImports('src/renderer/src/imaging/brush.ts', code('./labelMask'))).toHaveLength(0);
  });

  it('keeps the renderer away from Node and the main side', async () => {
    const file = 'src/renderer/src/x.ts';
    expect(await restrictedImports(file, "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(
      1,
    );
    expect(
      await restrictedImports(file, "import { a } from '../../main/api';\nexport const b = a;\n"),
    ).toHaveLength(1);
  });
});
