export { createEmaTeacher, type EmaTeacher, type EmaTeacherOptions } from './ema-teacher.js';
export { momentumSchedule, type MomentumScheduleOptions } from './momentum-schedule.js';
export { createCenter, type Center, type CenterOptions, type CenterStatistics } from './center.js';
