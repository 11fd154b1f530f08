import { InMemoryLedger } from '../../../../src/lib/ledger/memoryLedger';
import { describeLedgerContract } from '../../../helpers/ledgerContract';

describeLedgerContract('InMemoryLedger', () => new InMemoryLedger());
