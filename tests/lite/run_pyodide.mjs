// Run one Python script in Pyodide under Node, offline, with the files of a folder beside it.
//
//   node run_pyodide.mjs FOLDER SCRIPT
//
// Every file of FOLDER is copied to /lite in Pyodide's file system; SCRIPT (one of them)
// runs there, and the value of its last expression (a string) is written to stdout.
import { loadPyodide } from "pyodide";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [folder, script] = process.argv.slice(2);
const pyodide = await loadPyodide();
pyodide.FS.mkdirTree("/lite");
for (const name of readdirSync(folder)) {
  pyodide.FS.writeFile(`/lite/${name}`, readFileSync(join(folder, name)));
}
const output = pyodide.runPython(readFileSync(join(folder, script), "utf8"), { filename: `/lite/${script}` });
process.stdout.write(String(output));
