//! The parts of the FIT profile retrowalk reads and writes: message numbers, field
//! numbers and base types. Scales: speed m/s ×1000, distance m ×100, time s ×1000,
//! grade % ×100; date_time is seconds since the FIT epoch.

pub mod mesg {
    pub const FILE_ID: u16 = 0;
    pub const SESSION: u16 = 18;
    pub const LAP: u16 = 19;
    pub const RECORD: u16 = 20;
    pub const EVENT: u16 = 21;
    pub const DEVICE_INFO: u16 = 23;
    pub const ACTIVITY: u16 = 34;
    pub const FIELD_DESCRIPTION: u16 = 206;
    pub const DEVELOPER_DATA_ID: u16 = 207;
}

/// Field numbers shared by every message.
pub const TIMESTAMP: u8 = 253;
pub const MESSAGE_INDEX: u8 = 254;

pub mod file_id {
    pub const TYPE: u8 = 0;
    pub const MANUFACTURER: u8 = 1;
    pub const PRODUCT: u8 = 2;
    pub const SERIAL_NUMBER: u8 = 3;
    pub const TIME_CREATED: u8 = 4;
    pub const PRODUCT_NAME: u8 = 8;
    pub const ACTIVITY_FILE: u8 = 4;
    pub const DEVELOPMENT: u16 = 255;
}

pub mod device_info {
    pub const DEVICE_INDEX: u8 = 0;
    pub const MANUFACTURER: u8 = 2;
    pub const SERIAL_NUMBER: u8 = 3;
    pub const PRODUCT: u8 = 4;
    pub const SOFTWARE_VERSION: u8 = 5;
    pub const PRODUCT_NAME: u8 = 27;
}

pub mod event {
    pub const EVENT: u8 = 0;
    pub const EVENT_TYPE: u8 = 1;
    pub const TIMER: u8 = 0;
    pub const SESSION: u8 = 8;
    pub const LAP: u8 = 9;
    pub const ACTIVITY: u8 = 26;
    pub const START: u8 = 0;
    pub const STOP: u8 = 1;
    pub const STOP_ALL: u8 = 4;
}

pub mod record {
    pub const HEART_RATE: u8 = 3;
    pub const DISTANCE: u8 = 5;
    pub const SPEED: u8 = 6;
    pub const GRADE: u8 = 9;
    pub const ENHANCED_SPEED: u8 = 73;
}

pub mod lap {
    pub const EVENT: u8 = 0;
    pub const EVENT_TYPE: u8 = 1;
    pub const START_TIME: u8 = 2;
    pub const TOTAL_ELAPSED_TIME: u8 = 7;
    pub const TOTAL_TIMER_TIME: u8 = 8;
    pub const TOTAL_DISTANCE: u8 = 9;
    pub const TOTAL_CALORIES: u8 = 11;
    pub const AVG_SPEED: u8 = 13;
    pub const MAX_SPEED: u8 = 14;
    pub const AVG_HEART_RATE: u8 = 15;
    pub const MAX_HEART_RATE: u8 = 16;
    pub const INTENSITY: u8 = 23;
    pub const LAP_TRIGGER: u8 = 24;
    pub const SPORT: u8 = 25;
    pub const SUB_SPORT: u8 = 39;
    pub const WKT_STEP_INDEX: u8 = 71;
    pub const ENHANCED_AVG_SPEED: u8 = 110;
    pub const ENHANCED_MAX_SPEED: u8 = 111;
}

pub mod session {
    pub const EVENT: u8 = 0;
    pub const EVENT_TYPE: u8 = 1;
    pub const START_TIME: u8 = 2;
    pub const SPORT: u8 = 5;
    pub const SUB_SPORT: u8 = 6;
    pub const TOTAL_ELAPSED_TIME: u8 = 7;
    pub const TOTAL_TIMER_TIME: u8 = 8;
    pub const TOTAL_DISTANCE: u8 = 9;
    pub const TOTAL_CALORIES: u8 = 11;
    pub const AVG_SPEED: u8 = 14;
    pub const MAX_SPEED: u8 = 15;
    pub const AVG_HEART_RATE: u8 = 16;
    pub const MAX_HEART_RATE: u8 = 17;
    pub const FIRST_LAP_INDEX: u8 = 25;
    pub const NUM_LAPS: u8 = 26;
    pub const TRIGGER: u8 = 28;
    pub const ENHANCED_AVG_SPEED: u8 = 124;
    pub const ENHANCED_MAX_SPEED: u8 = 125;
}

pub mod activity {
    pub const TOTAL_TIMER_TIME: u8 = 0;
    pub const NUM_SESSIONS: u8 = 1;
    pub const TYPE: u8 = 2;
    pub const EVENT: u8 = 3;
    pub const EVENT_TYPE: u8 = 4;
    pub const LOCAL_TIMESTAMP: u8 = 5;
}

pub mod developer_data_id {
    pub const APPLICATION_ID: u8 = 1;
    pub const DEVELOPER_DATA_INDEX: u8 = 3;
}

pub mod field_description {
    pub const DEVELOPER_DATA_INDEX: u8 = 0;
    pub const FIELD_DEFINITION_NUMBER: u8 = 1;
    pub const FIT_BASE_TYPE_ID: u8 = 2;
    pub const FIELD_NAME: u8 = 3;
}

/// Base types as they appear in definition messages.
pub mod base {
    pub const ENUM: u8 = 0x00;
    pub const SINT8: u8 = 0x01;
    pub const UINT8: u8 = 0x02;
    pub const SINT16: u8 = 0x83;
    pub const UINT16: u8 = 0x84;
    pub const SINT32: u8 = 0x85;
    pub const UINT32: u8 = 0x86;
    pub const STRING: u8 = 0x07;
    pub const FLOAT32: u8 = 0x88;
    pub const FLOAT64: u8 = 0x89;
    pub const UINT8Z: u8 = 0x0A;
    pub const UINT16Z: u8 = 0x8B;
    pub const UINT32Z: u8 = 0x8C;
    pub const BYTE: u8 = 0x0D;
    pub const SINT64: u8 = 0x8E;
    pub const UINT64: u8 = 0x8F;
    pub const UINT64Z: u8 = 0x90;
}
