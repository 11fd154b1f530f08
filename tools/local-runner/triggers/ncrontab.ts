import { CronExpressionParser } from 'cron-parser';

import { RunnerConfigError } from '../errors';
import { parseTimeSpan } from '../hostJson';

/** A parsed timer schedule: NCRONTAB (6 fields, or 5 fields at minute level) or an `hh:mm:ss` interval. */
export interface TimerSchedule {
  expression: string;
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  /** The host turns the schedule monitor off for schedules that fire more than once a minute. */
  firesMoreThanOncePerMinute: boolean;
}

const FIELD = /^[A-Za-z0-9*/,?#LW-]+$/;

export function parseSchedule(expression: string, timeZone = 'UTC'): TimerSchedule {
  const text = expression.trim();
  if (/^\d+(\.\d+)?:\d{1,2}:\d{1,2}$/.test(text) || /^\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?$/.test(text))
    return intervalSchedule(text);
  const fields = text.split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => FIELD.test(f)))
    throw unrecognised(expression);
  const sixFields = fields.length === 6 ? fields.join(' ') : `0 ${fields.join(' ')}`;
  const occurrenceAfter = (after: Date): Date => {
    try {
      return CronExpressionParser.parse(sixFields, { currentDate: after, tz: timeZone, strict: false }).next().toDate();
    } catch (error) {
      throw unrecognised(expression, error);
    }
  };
  const first = occurrenceAfter(new Date(0));
  const second = occurrenceAfter(first);
  return {
    expression: sixFields,
    next: occurrenceAfter,
    firesMoreThanOncePerMinute: second.getTime() - first.getTime() < 60_000,
  };
}

function intervalSchedule(text: string): TimerSchedule {
  const periodMs = parseTimeSpan(text);
  if (periodMs <= 0) throw unrecognised(text);
  return {
    expression: text,
    next: (after) => new Date(after.getTime() + periodMs),
    firesMoreThanOncePerMinute: periodMs < 60_000,
  };
}

function unrecognised(expression: string, cause?: unknown): RunnerConfigError {
  return new RunnerConfigError(
    `The schedule expression '${expression}' was not recognized as a valid cron expression or timespan string.`,
    { cause },
  );
}
