import { UsageError } from './run-cli.js';

/** How a gate reports findings: for people, for tools, or as GitHub Actions annotations. */
export type ReportFormat = 'text' | 'json' | 'github';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'github'];

export function parseReportFormat(value: string | undefined): ReportFormat {
  if (value === undefined) return 'text';
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, found "${value}"`);
}

export interface Annotation {
  readonly level: 'error' | 'warning' | 'notice';
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly title: string;
  readonly message: string;
}

/**
 * A workflow command that GitHub shows on the file and line of a pull request
 * (`::error file=...,line=...,col=...,title=...::message`), with values escaped as the runner expects.
 */
export function githubAnnotation(annotation: Annotation): string {
  const properties = [
    annotation.file === undefined ? undefined : `file=${escapeProperty(annotation.file)}`,
    annotation.line === undefined ? undefined : `line=${annotation.line}`,
    annotation.line === undefined || annotation.column === undefined ? undefined : `col=${annotation.column}`,
    `title=${escapeProperty(annotation.title)}`,
  ].filter((p) => p !== undefined);
  return `::${annotation.level} ${properties.join(',')}::${escapeData(annotation.message)}`;
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
