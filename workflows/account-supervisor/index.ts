export { accountSupervisor, accountDayStart, type SupervisorCarry } from './workflow';
