import { isJobRunning, isJobSucceeded } from '../../../../src/lib/azure/ports';

describe('isJobRunning', () => {
  it.each(['InProgress', 'inprogress', 'Cancelling', 'CANCELLING'])("is true for '%s'", (status) => {
    expect(isJobRunning(status)).toBe(true);
  });

  it.each(['Completed', 'Failed', 'Cancelled', 'CompletedWithWarnings', '', 'In Progress'])(
    "is false for '%s'",
    (status) => {
      expect(isJobRunning(status)).toBe(false);
    },
  );
});

describe('isJobSucceeded', () => {
  it.each(['Completed', 'completed', 'CompletedWithWarnings', 'completedwithwarnings'])(
    "is true for '%s'",
    (status) => {
      expect(isJobSucceeded(status)).toBe(true);
    },
  );

  it.each(['InProgress', 'Failed', 'Cancelled', 'Cancelling', '', 'Complete'])("is false for '%s'", (status) => {
    expect(isJobSucceeded(status)).toBe(false);
  });
});
