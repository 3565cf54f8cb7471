/**
 * The order files start in: vitest's own order within each project (failed
 * first, then longest by the last run, else largest), across projects the
 * long ones first, so the run does not end on a long file started late:
 * e2e and reliability files alternate (one mostly waits on real processes,
 * the other mostly computes), then cli, then unit.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class CostSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const of = (name: string) => sorted.filter((f) => f.project.name === name);
    const [e2e, reliability] = [of('e2e'), of('reliability')];
    const alternated = Array.from({ length: Math.max(e2e.length, reliability.length) }, (_, i) => [e2e[i], reliability[i]]).flat();
    const first = [...alternated, ...of('cli'), ...of('unit')].filter((f): f is TestSpecification => f !== undefined);
    return [...first, ...sorted.filter((f) => !first.includes(f))];
  }
}
